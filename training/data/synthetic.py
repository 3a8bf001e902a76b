"""Synthetic grades files in the shapes other institutions export, for tests and checks.

`python -m training.data.synthetic SHAPE --out FILE [--students N] [--terms T] [--seed S]` writes:

- `wide`: the shared Kaggle file's layout (`1st` .. `Nth`, integer `College Code`, gender,
  split roll numbers), 0-10 grades with a few blanks; `--terms` columns.
- `period-grades`: the UCI student-performance layout: `;`-separated, strings and the first
  two period grades quoted, 0-20 integer grades `G1;G2;G3`, a string `school` code (`GP`,
  `MS`), and the data set's dropouts whose final grade is 0. Read it with
  `--grade-columns G1,G2,G3 --group-column school --scale 0:20`.
- `long-export`: one row per student and term (`student_id,term,programme,gpa`), 0-4 term
  GPAs, terms `2020-1` .., two cohorts a year apart, up to `--terms` terms per student (some
  leave early, a few skip a term), string programme codes, rows shuffled, a few exact
  duplicates. Read it with `--student-column student_id --term-column term
  --grade-column gpa --group-column programme --scale 0:4`.

Shapes with student columns for `--feature-columns` (#28); nothing else reads them:

- `programme-slope`: wide, 0-10, `1st` .. `4th`, a categorical `programme` (`honours`,
  `standard`, `evening`, a few blank) that changes how much of the last grade carries over
  (the slope), a numeric `credits`, and `sex`. Read it with `--no-group --feature-columns
  programme,credits --audit-columns sex`.
- `no-signal`: the `wide` shape plus `club` (yes/no) and `distance` (km, a tenth blank),
  drawn independently of the grades. Read it with `--feature-columns club,distance`.
- `absences`: 0-20, `G1;G2;G3`, `school`, `sex`, `failures`, `absences`, where the students who
  left before the final exam (G3 = 0, more of them among low G2s) have 0 absences, as in the
  UCI file; a quarter of the others have 0 absences too. Read it with `--grade-columns
  G1,G2,G3 --group-column school --scale 0:20 --feature-columns absences,failures`.

Every shape has the same kind of signal: a student's level, a group effect that changes
from term to term, a trend and noise, clipped to the scale. With `--group-noise`
(period-grades and long-export) the noise's size differs by group too (`SCHOOL_NOISE`,
`PROGRAMME_NOISE`): the case where one interval per history length covers some groups too
little and others too much (#27). Nothing here is real data.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

WIDE_COLLEGES = {115: -0.3, 116: 0.0, 165: 0.4, 241: 0.15}
SCHOOLS = {"GP": 0.0, "MS": -0.8}
PROGRAMMES = {"CSE": 0.1, "EEE": 0.0, "ME": -0.15, "CIV": -0.05, "BBA": 0.2, "ARCH": -0.25}
# With --group-noise: each group's noise as a multiple of the common one.
SCHOOL_NOISE = {"GP": 0.85, "MS": 1.8}
PROGRAMME_NOISE = {"CSE": 0.6, "EEE": 1.0, "ME": 1.5, "CIV": 0.8, "BBA": 1.25, "ARCH": 2.0}


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def wide_lines(students: int, terms: int = 5, seed: int = 0) -> list[str]:
    """The Kaggle layout with `terms` term columns; about 1 in 17 lacks the last term."""
    rng = np.random.default_rng(seed)
    codes = list(WIDE_COLLEGES)
    header = [*(_ordinal(n) for n in range(1, terms + 1)), "College Code", "Gender", "Roll"]
    lines = [",".join([*header, "Roll no.", "Subject Code"])]
    for student in range(students):
        college = codes[int(rng.integers(len(codes)))]
        grades = _series(rng, terms, level=rng.normal(7.0, 0.9), spread=0.35, low=0, high=10)
        grades += WIDE_COLLEGES[college] * np.arange(terms) / max(terms - 1, 1)
        cells = [f"{grade:.2f}" for grade in np.clip(grades, 0, 10)]
        if student % 17 == 5:
            cells[-1] = ""  # an incomplete record
        gender = ["Male", "M", "Female", "F", ""][student % 5]
        roll, roll_no = ("", f"{17000 + student}.0") if student % 2 else (str(17000 + student), "")
        lines.append(",".join([*cells, str(college), gender, roll, roll_no, "16"]))
    return lines


def period_grades_lines(students: int, seed: int = 0, group_noise: bool = False) -> list[str]:
    """The UCI student-performance layout on 0-20 (see the module docstring)."""
    rng = np.random.default_rng(seed)
    header = "school;sex;age;studytime;failures;absences;G1;G2;G3"
    lines = [header]
    for _ in range(students):
        school = "GP" if rng.random() < 0.88 else "MS"
        failures = int(rng.choice([0, 0, 0, 0, 0, 1, 1, 2, 3]))
        level = rng.normal(11.5, 2.8) - 1.2 * failures + SCHOOLS[school]
        noise = SCHOOL_NOISE[school] if group_noise else 1.0
        first = level + rng.normal(0, 1.3 * noise)
        second = 0.55 * first + 0.45 * level + rng.normal(0.2, 1.0 * noise)
        third = 0.75 * second + 0.25 * level + rng.normal(0.3, 0.9 * noise) + 0.3 * SCHOOLS[school]
        grades = np.clip(np.round([first, second, third]), 0, 20).astype(int)
        if rng.random() < 0.08:  # left before the final exam: graded 0, like the real set
            grades[2] = 0
            if rng.random() < 0.3:
                grades[1] = 0
        sex = "F" if rng.random() < 0.53 else "M"
        age = int(rng.integers(15, 20))
        study, absences = int(rng.integers(1, 5)), int(rng.poisson(5))
        cells = [
            f'"{school}"',
            f'"{sex}"',
            str(age),
            str(study),
            str(failures),
            str(absences),
            f'"{grades[0]}"',
            f'"{grades[1]}"',
            str(grades[2]),
        ]
        lines.append(";".join(cells))
    return lines


def long_export_lines(
    students: int, terms: int = 8, seed: int = 0, group_noise: bool = False
) -> list[str]:
    """One row per student and term on 0-4 (see the module docstring)."""
    rng = np.random.default_rng(seed)
    programmes = list(PROGRAMMES)
    rows: list[str] = []
    for student in range(students):
        programme = programmes[int(rng.integers(len(programmes)))]
        start_year = 2020 if rng.random() < 0.7 else 2021
        count = terms if rng.random() < 0.75 else int(rng.integers(1, terms))
        spread = 0.22 * (PROGRAMME_NOISE[programme] if group_noise else 1.0)
        grades = _series(rng, count, level=rng.normal(3.0, 0.45), spread=spread, low=0, high=4)
        grades += PROGRAMMES[programme] * (0.5 + np.arange(count) / max(terms - 1, 1))
        skipped = int(rng.integers(1, count)) if count > 2 and rng.random() < 0.04 else None
        for position, grade in enumerate(np.clip(grades, 0, 4)):
            if position == skipped:
                continue  # a term away: the history stops before it
            year, half = start_year + position // 2, position % 2 + 1
            rows.append(f"S{10000 + student},{year}-{half},{programme},{grade:.2f}")
    duplicates = [rows[int(i)] for i in rng.integers(0, len(rows), max(1, len(rows) // 100))]
    rows += duplicates
    order = rng.permutation(len(rows))
    return ["student_id,term,programme,gpa", *(rows[int(i)] for i in order)]


PROGRAMME_SLOPES = {"honours": 1.0, "standard": 0.6, "evening": 0.15}


def programme_slope_lines(students: int, seed: int = 0) -> list[str]:
    """A categorical feature that interacts with the last grade (see the module docstring)."""
    rng = np.random.default_rng(seed)
    names = list(PROGRAMME_SLOPES)
    lines = ["1st,2nd,3rd,4th,programme,credits,sex"]
    for _ in range(students):
        programme = names[int(rng.integers(len(names)))]
        slope = PROGRAMME_SLOPES[programme]
        grades = [float(np.clip(rng.normal(6.8, 1.3), 0, 10))]
        for _ in range(3):
            carried = 6.8 + slope * (grades[-1] - 6.8) + rng.normal(0, 0.45)
            grades.append(float(np.clip(carried, 0, 10)))
        credits = int(rng.integers(18, 31))
        shown = "" if rng.random() < 0.05 else programme
        sex = "F" if rng.random() < 0.5 else "M"
        cells = [f"{grade:.2f}" for grade in grades]
        lines.append(",".join([*cells, shown, str(credits), sex]))
    return lines


def no_signal_lines(students: int, terms: int = 5, seed: int = 0) -> list[str]:
    """The `wide` shape plus two columns drawn apart from the grades."""
    rng = np.random.default_rng(seed + 1)
    lines = wide_lines(students, terms, seed)
    rows = [lines[0] + ",club,distance"]
    for line in lines[1:]:
        club = "yes" if rng.random() < 0.4 else "no"
        distance = "" if rng.random() < 0.1 else f"{rng.gamma(2.0, 6.0):.1f}"
        rows.append(f"{line},{club},{distance}")
    return rows


def absences_lines(students: int, seed: int = 0) -> list[str]:
    """0-20 period grades where G3 = 0 goes with 0 absences (see the module docstring)."""
    rng = np.random.default_rng(seed)
    lines = ["school;sex;failures;absences;G1;G2;G3"]
    for _ in range(students):
        school = "GP" if rng.random() < 0.88 else "MS"
        failures = int(rng.choice([0, 0, 0, 0, 0, 1, 1, 2, 3]))
        level = rng.normal(11.0, 3.0) - 1.0 * failures + SCHOOLS[school]
        first = float(np.clip(np.round(level + rng.normal(0, 1.3)), 0, 20))
        second = float(np.clip(np.round(0.6 * first + 0.4 * level + rng.normal(0, 1.0)), 0, 20))
        third = float(np.clip(np.round(0.8 * second + 0.2 * level + rng.normal(0.3, 0.9)), 0, 20))
        left = rng.random() < (0.3 if second < 9 else 0.03)
        if left:
            third, absences = 0.0, 0
        else:
            absences = 0 if rng.random() < 0.25 else int(rng.poisson(6)) + 1
        sex = "F" if rng.random() < 0.53 else "M"
        cells = [school, sex, str(failures), str(absences), f"{first:g}", f"{second:g}"]
        lines.append(";".join([*cells, f"{third:g}"]))
    return lines


def _series(
    rng: np.random.Generator, terms: int, level: float, spread: float, low: float, high: float
) -> np.ndarray:
    """A student's grades: their level, a gentle personal trend and autocorrelated noise."""
    trend = rng.normal(0, spread / 3)
    noise = np.zeros(terms)
    for term in range(terms):
        previous = noise[term - 1] if term else 0.0
        noise[term] = 0.5 * previous + rng.normal(0, spread)
    return np.clip(level + trend * np.arange(terms) + noise, low, high)


SHAPES = {
    "wide": lambda arguments: wide_lines(arguments.students, arguments.terms, arguments.seed),
    "period-grades": lambda arguments: period_grades_lines(
        arguments.students, arguments.seed, arguments.group_noise
    ),
    "long-export": lambda arguments: long_export_lines(
        arguments.students, arguments.terms, arguments.seed, arguments.group_noise
    ),
    "programme-slope": lambda arguments: programme_slope_lines(arguments.students, arguments.seed),
    "no-signal": lambda arguments: no_signal_lines(
        arguments.students, arguments.terms, arguments.seed
    ),
    "absences": lambda arguments: absences_lines(arguments.students, arguments.seed),
}


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m training.data.synthetic",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shape", choices=list(SHAPES))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--students", type=int, default=400)
    parser.add_argument("--terms", type=int, default=8, help="wide and long-export (default: 8)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--group-noise",
        action="store_true",
        help="period-grades and long-export: noise of a different size in each group",
    )
    arguments = parser.parse_args(argv)
    write_lines(arguments.out, SHAPES[arguments.shape](arguments))


if __name__ == "__main__":
    main()
