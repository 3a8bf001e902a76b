"""The wide layout: one row per student, one column per term.

The term columns are those `--grade-columns` names, in that order, or else the columns whose
names are ordinals: `1st`, `2nd` ..., `Sem 1`, `Semester 1`, `Term 1`, `T1` (any case, spaces
optional, in any order in the file), numbered 1, 2, ... without gaps. Quirks handled on
purpose: gender spelt Male/M/Female/F/blank (column `Gender` or `Sex`), a roll number split
over two half-filled columns, and group or roll codes written as floats by a spreadsheet.
"""

from __future__ import annotations

import re

from training.data.features import cell_value, describe_columns, extra_positions
from training.data.options import DEFAULT_GROUP_COLUMN, DataOptions
from training.data.reading import (
    CsvFile,
    DataError,
    is_missing,
    parse_code,
    parse_gender,
    parse_grade,
)
from training.data.students import Student, StudentTable, typed_group_codes

_ORDINAL = re.compile(
    r"^(?:(\d+)\s*(?:st|nd|rd|th)(?:\s*(?:sem|semester|term))?"
    r"|(?:sem|semester|term|t)\s*[-_.#]?\s*(\d+))$"
)
_EXPECTED = "names like '1st', 'Sem 1', 'Term 1' or 'T1', or --grade-columns A,B,..."


def load_wide(file: CsvFile, options: DataOptions) -> StudentTable:
    """Parse one wide CSV; raises DataError on any file it cannot use."""
    path = file.path
    terms = _term_columns(file, options)
    group_at = group_position(file, options, exclude={at for at, _ in terms})
    gender_at = _first_of(file, ["gender", "sex"])
    subject_at = file.position_of("subject code")
    roll_at = [i for i, name in enumerate(file.names) if name.startswith("roll")]
    reserved = {at: "grade" for at, _ in terms}
    if group_at is not None:
        reserved[group_at] = "group"
    extras_at = extra_positions(file, options, reserved)

    table = StudentTable(
        source=path,
        term_count=len(terms),
        students=[],
        rows_read=0,
        scale=options.scale,
        group_column=file.header[group_at].strip() if group_at is not None else None,
    )
    kept: list[tuple[tuple[float, ...], str | None, list[str], int]] = []
    for line, row in file.rows:
        table.rows_read += 1
        # Every grade is checked, also those after a gap that the history will not use.
        grades = [parse_grade(path, line, name, row[at], options.scale) for at, name in terms]
        history = table.leading_history(grades)
        if history:
            group = row[group_at] if group_at is not None else None
            kept.append((history, None if group is None or is_missing(group) else group, row, line))
    if table.rows_read == 0:
        raise DataError(path, None, None, "file has a header but no data rows")
    if not kept:
        raise DataError(path, None, None, "no row has a first-term grade")

    codes = typed_group_codes([group for _, group, _, _ in kept])
    for (history, _, row, line), code in zip(kept, codes, strict=True):
        if code is None and group_at is not None:
            table.notes[f"without a {table.group_label} value"] += 1
        subject = row[subject_at].strip() if subject_at is not None else None
        table.students.append(
            Student(
                history=history,
                group_code=code,
                gender=parse_gender(row[gender_at]) if gender_at is not None else "unknown",
                roll_number=_merge_rolls(table, [row[i] for i in roll_at]),
                subject_code=subject or None,
                line=line,
                extras=tuple(cell_value(row[extra.at]) for extra in extras_at),
            )
        )
    table.extra_columns = describe_columns(extras_at, [s.extras for s in table.students])
    return table


def group_position(file: CsvFile, options: DataOptions, exclude: set[int]) -> int | None:
    """The group column: --group-column, else DEFAULT_GROUP_COLUMN when present; none with
    --no-group. It cannot also be a grade column."""
    if options.no_group:
        return None
    position: int | None
    if options.group_column is not None:
        position = file.require(options.group_column, "--group-column")
    else:
        position = file.position_of(DEFAULT_GROUP_COLUMN)
    if position is not None and position in exclude:
        name = file.header[position].strip()
        raise DataError(file.path, 1, name, "is both the group column and a grade column")
    return position


def _first_of(file: CsvFile, names: list[str]) -> int | None:
    return next((p for p in map(file.position_of, names) if p is not None), None)


def _term_columns(file: CsvFile, options: DataOptions) -> list[tuple[int, str]]:
    """(position in row, name in file) of each term column, oldest first."""
    if options.grade_columns is not None:
        chosen = [file.require(name, "--grade-columns") for name in options.grade_columns]
        for position in set(chosen):
            if chosen.count(position) > 1:
                name = file.header[position].strip()
                raise DataError(file.path, 1, name, "named twice in --grade-columns")
        return [(position, file.header[position].strip()) for position in chosen]

    found: list[tuple[int, int, str]] = []
    for position, name in enumerate(file.names):
        match = _ORDINAL.match(name)
        if match:
            number = int(match.group(1) or match.group(2))
            found.append((number, position, file.header[position].strip()))
    if not found:
        raise DataError(file.path, 1, None, f"no term columns (expected {_EXPECTED})")
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise DataError(
            file.path,
            1,
            None,
            f"term columns must be numbered 1, 2, ... once each, without gaps; got {numbers}",
        )
    if len(found) < 2:
        raise DataError(file.path, 1, found[0][2], "only one term column; nothing to predict")
    return [(position, name) for _, position, name in found]


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
