"""The wide layout: one row per student, one column per semester named by ordinal.

Quirks handled on purpose: semester columns named `1st` ... `6th` ... in any case or spacing
(and in any order in the file), gender spelt Male/M/Female/F/blank, a roll number split over
two half-filled columns, and college or roll codes written as floats by a spreadsheet.
"""

from __future__ import annotations

import re
from pathlib import Path

from app.model.card import NO_COLLEGE
from training.data.reading import (
    CsvFile,
    DataError,
    is_missing,
    normalise_name,
    parse_code,
    parse_gender,
    parse_grade,
    read_csv,
)
from training.data.students import Student, StudentTable

_ORDINAL = re.compile(r"^(\d+)\s*(st|nd|rd|th)$")


def load_students(path: Path | str) -> StudentTable:
    """Parse one wide CSV; raises DataError on any file it cannot use."""
    path = Path(path)
    file = read_csv(path)
    semesters = _semester_columns(file)
    college_at = file.position_of("college code")
    gender_at = file.position_of("gender")
    subject_at = file.position_of("subject code")
    roll_at = [i for i, name in enumerate(file.names) if name.startswith("roll")]

    table = StudentTable(source=path, semester_count=len(semesters), students=[], rows_read=0)
    for line, row in file.rows:
        table.rows_read += 1
        # Every grade is checked, also those after a gap that the history will not use.
        grades = [parse_grade(path, line, name, row[at]) for at, _, name in semesters]
        history = table.leading_history(grades)
        if not history:
            continue
        college = NO_COLLEGE
        if college_at is not None:
            parsed = parse_code(row[college_at])
            if parsed is None:
                table.notes["without a usable college code"] += 1
            else:
                college = parsed
        subject = row[subject_at].strip() if subject_at is not None else None
        table.students.append(
            Student(
                history=history,
                college_code=college,
                gender=parse_gender(row[gender_at]) if gender_at is not None else "unknown",
                roll_number=_merge_rolls(table, [row[i] for i in roll_at]),
                subject_code=subject or None,
                line=line,
            )
        )
    if table.rows_read == 0:
        raise DataError(path, None, None, "file has a header but no data rows")
    if not table.students:
        raise DataError(path, None, None, "no row has a first-semester grade")
    return table


def _semester_columns(file: CsvFile) -> list[tuple[int, int, str]]:
    """(position in row, semester number, name in file) sorted by semester number."""
    found = []
    for position, name in enumerate(file.header):
        match = _ORDINAL.match(normalise_name(name))
        if match:
            found.append((position, int(match.group(1)), name))
    if not found:
        raise DataError(
            file.path, 1, None, "no semester columns (expected names like '1st', '2nd')"
        )
    found.sort(key=lambda column: column[1])
    numbers = [number for _, number, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise DataError(
            file.path,
            1,
            None,
            f"semester columns must be 1st, 2nd, ... without gaps; got {numbers}",
        )
    return found


def _merge_rolls(table: StudentTable, cells: list[str]) -> str | None:
    """The roll-number columns are each half filled: take whichever is present."""
    rolls = [cell.strip() for cell in cells if not is_missing(cell)]
    codes = [parse_code(roll) for roll in rolls]
    normalised = [
        str(code) if code is not None else roll for code, roll in zip(codes, rolls, strict=True)
    ]
    if len(set(normalised)) > 1:
        table.notes["with conflicting roll numbers (kept the first)"] += 1
    return normalised[0] if normalised else None
