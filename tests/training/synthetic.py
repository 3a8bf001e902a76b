"""Small synthetic grade files, so training tests run in seconds and never need the real CSV.

The shapes other institutions export (the 0-20 period grades, the 0-4 long export, a wide
file of any number of terms) come from `training.data.synthetic`, which the accuracy checks use
too; this module adds the tiny Kaggle-shaped file most tests start from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from training.data.synthetic import long_export_lines, period_grades_lines, wide_lines, write_lines

HEADER = "1st,2nd,3rd,4th,5th,College Code,Gender,Roll,Roll no.,Subject Code"
# Training settings small enough for tests: the shapes and code paths are the real ones.
FAST = ["--max-epochs", "40", "--patience", "10", "--notebook-epochs", "20"]
# How to read the other shapes.
PERIOD_GRADES_OPTIONS = ["--grade-columns", "G1,G2,G3", "--group-column", "school"]
PERIOD_GRADES_OPTIONS += ["--scale", "0:20"]
LONG_EXPORT_OPTIONS = ["--student-column", "student_id", "--term-column", "term"]
LONG_EXPORT_OPTIONS += ["--grade-column", "gpa", "--group-column", "programme", "--scale", "0:4"]

__all__ = [
    "FAST",
    "HEADER",
    "LONG_EXPORT_OPTIONS",
    "PERIOD_GRADES_OPTIONS",
    "long_export_lines",
    "period_grades_lines",
    "synthetic_rows",
    "wide_lines",
    "write_csv",
]


def synthetic_rows(students: int, seed: int = 0) -> list[str]:
    """Grades with a trend, a college effect and noise; a few blanks like the real file."""
    rng = np.random.default_rng(seed)
    colleges = [115, 116, 165]
    effect = {115: -0.3, 116: 0.0, 165: 0.4}
    rows = []
    for student in range(students):
        college = colleges[student % len(colleges)]
        level = rng.normal(7.0, 0.8)
        grades = np.clip(level + effect[college] * np.arange(5) / 4 + rng.normal(0, 0.3, 5), 0, 10)
        cells = [f"{grade:.2f}" for grade in grades]
        if student % 17 == 5:
            cells[4] = ""  # missing last semester: an incomplete record
        gender = ["Male", "M", "Female", "F", ""][student % 5]
        roll, roll_no = ("", f"{17000 + student}.0") if student % 2 else (str(17000 + student), "")
        rows.append(",".join([*cells, str(college), gender, roll, roll_no, "16"]))
    return rows


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    return write_lines(path, lines, encoding)
