"""Grades files -> clean per-student histories -> (history -> next grade) samples.

`options` says how to read a file (layout, scale, columns, delimiter, encoding); `reading`
opens a CSV and parses cells the same way for every layout; `wide` reads one row per student
with a column per term, `long` one row per student and term; `students` holds the histories
and the rule that a gap truncates one; `samples` turns histories into the arrays training
uses. Callers import from here.
"""

from __future__ import annotations

from pathlib import Path

from training.data.long import load_long
from training.data.options import DataOptions
from training.data.reading import DataError, read_csv
from training.data.samples import Samples, final_samples, prefix_samples
from training.data.students import (
    Student,
    StudentTable,
    complete_student_ids,
    grade_statistics_by_position,
    max_history,
)
from training.data.wide import load_wide


def load_students(path: Path | str, options: DataOptions | None = None) -> StudentTable:
    """Read one grades file, wide or long as the options say; raises DataError."""
    path = Path(path)
    options = options or DataOptions()
    file = read_csv(path, options.delimiter, options.encoding)
    return load_long(file, options) if options.is_long else load_wide(file, options)


__all__ = [
    "DataError",
    "DataOptions",
    "Samples",
    "Student",
    "StudentTable",
    "complete_student_ids",
    "final_samples",
    "grade_statistics_by_position",
    "load_students",
    "max_history",
    "prefix_samples",
]
