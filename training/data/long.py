"""The long layout: one row per student and term (`--student-column`, `--term-column`,
`--grade-column`), rows in any order.

Terms are ordered by the term column: integers (`3`), or labels of one pattern of numbers
(`2023-1`, `2023/24-2`, `T3`, `2023 S1`). Every label of a file must have the same pattern,
i.e. the same text around its numbers (any case), and labels sort by their numbers, left to
right, so `2023-10` comes after `2023-9`. Anything else (`first`, or `Fall 2023` beside
`Spring 2024`) is an error that says so.

Missing terms are judged against the file's calendar: the sorted set of every term any row of
the file names. A student's history starts at their own first term (a later cohort is not a
gap) and runs while each next term of the calendar is present; the first one they lack cuts
the history there, as a gap does in a wide file, and is counted ("truncated at a missing
term"). A student with 2023-1, 2023-2 and 2024-2 in a file that also has 2024-1 has a history
of two grades. A row without a grade leaves its term missing.

Repeated rows: an exact duplicate (every cell equal after trimming) is dropped and counted;
the same student and term with the same grade but other cells different is dropped and
counted apart; two different grades for one student and term is an error naming both lines.
A student's group code is the one of the last term in their history; a student whose rows
carry more than one code is counted. Students are ordered by id, so the order of the rows
never changes the table (nor, therefore, the model). Feature and audit columns
(`training.data.features`) are per student: the same value on every row of a student (a blank
row takes the others' value; two different values is an error naming both lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from training.data.features import (
    ExtraPosition,
    cell_value,
    describe_columns,
    extra_positions,
    same_value,
)
from training.data.options import DataOptions
from training.data.reading import (
    CsvFile,
    DataError,
    is_missing,
    parse_code,
    parse_gender,
    parse_grade,
)
from training.data.students import Student, StudentTable, typed_group_codes
from training.data.wide import group_position

_NUMBER = re.compile(r"\d+")
_TERM_RULE = "terms must be integers or labels of one pattern such as 2023-1, to be ordered"

TermKey = tuple[int, ...]


@dataclass(frozen=True)
class _Entry:
    line: int
    grade: float
    cells: tuple[str, ...]
    group: str | None
    gender: str | None


def load_long(file: CsvFile, options: DataOptions) -> StudentTable:
    """Parse one long CSV; raises DataError on any file it cannot use."""
    assert options.student_column and options.term_column and options.grade_column
    path = file.path
    student_at = file.require(options.student_column, "--student-column")
    term_at = file.require(options.term_column, "--term-column")
    grade_at = file.require(options.grade_column, "--grade-column")
    group_at = group_position(file, options, exclude={student_at, term_at, grade_at})
    gender_at = next((p for p in map(file.position_of, ["gender", "sex"]) if p is not None), None)
    term_name, grade_name = file.header[term_at].strip(), file.header[grade_at].strip()
    reserved = {student_at: "student", term_at: "term", grade_at: "grade"}
    if group_at is not None:
        reserved[group_at] = "group"
    extras_at = extra_positions(file, options, reserved)
    # Per student and extra column: the first present value and its line.
    extras: dict[str, list[tuple[str, int] | None]] = {}
    table = StudentTable(
        source=path,
        term_count=0,
        students=[],
        rows_read=0,
        scale=options.scale,
        group_column=file.header[group_at].strip() if group_at is not None else None,
    )

    pattern: tuple[str, str, int] | None = None  # (pattern, first label, its line)
    labels: dict[TermKey, str] = {}  # every term of the file, first spelling seen
    by_student: dict[str, dict[TermKey, _Entry]] = {}
    for line, row in file.rows:
        table.rows_read += 1
        student, term = row[student_at].strip(), row[term_at].strip()
        if is_missing(student):
            table.dropped["without a student id"] += 1
            continue
        if is_missing(term):
            table.dropped["without a term"] += 1
            continue
        _check_extras(path, line, student, row, extras_at, extras)
        shape, key = _term_key(path, line, term_name, term)
        if pattern is None:
            pattern = (shape, term, line)
        elif shape != pattern[0]:
            raise DataError(
                path,
                line,
                term_name,
                f"term {term!r} does not follow the pattern of {pattern[1]!r} "
                f"(line {pattern[2]}): {_TERM_RULE}",
            )
        labels.setdefault(key, term)
        grade = parse_grade(path, line, grade_name, row[grade_at], options.scale)
        if grade is None:
            table.dropped["without a grade (the term counts as missing)"] += 1
            continue
        group = row[group_at].strip() if group_at is not None else None
        entry = _Entry(
            line,
            grade,
            tuple(cell.strip() for cell in row),
            None if group is None or is_missing(group) else group,
            row[gender_at] if gender_at is not None else None,
        )
        terms = by_student.setdefault(student, {})
        earlier = terms.get(key)
        if earlier is None:
            terms[key] = entry
        elif earlier.grade != grade:
            raise DataError(
                path,
                line,
                grade_name,
                f"student {student!r} has two different grades for term {term!r}: "
                f"{earlier.grade:g} on line {earlier.line} and {grade:g} on line {line}",
            )
        elif earlier.cells == entry.cells:
            table.dropped["exact duplicate rows"] += 1
        else:
            table.dropped["repeated rows with the same grade (other cells differ)"] += 1
    if table.rows_read == 0:
        raise DataError(path, None, None, "file has a header but no data rows")
    if not by_student:
        raise DataError(path, None, None, "no row has a student, a term and a grade")

    calendar = sorted(labels)
    table.term_count = len(calendar)
    table.term_labels = [labels[key] for key in calendar]
    _add_students(table, by_student, {key: at for at, key in enumerate(calendar)}, extras)
    table.extra_columns = describe_columns(extras_at, [s.extras for s in table.students])
    return table


def _check_extras(
    path: Path,
    line: int,
    student: str,
    row: list[str],
    positions: list[ExtraPosition],
    extras: dict[str, list[tuple[str, int] | None]],
) -> None:
    """Keep a student's feature and audit values; a value that differs from the one an
    earlier row of the student gave is an error naming both lines (a blank is no value)."""
    seen = extras.setdefault(student, [None] * len(positions))
    for index, position in enumerate(positions):
        value = cell_value(row[position.at])
        if value is None:
            continue
        earlier = seen[index]
        if earlier is None:
            seen[index] = (value, line)
        elif not same_value(earlier[0], value):
            raise DataError(
                path,
                line,
                position.name,
                f"student {student!r} has {earlier[0]!r} on line {earlier[1]} and {value!r} "
                f"on line {line}; a {position.role} column must be the same on every row of a "
                "student",
            )


def _add_students(
    table: StudentTable,
    by_student: dict[str, dict[TermKey, _Entry]],
    position: dict[TermKey, int],
    extras: dict[str, list[tuple[str, int] | None]],
) -> None:
    histories: list[tuple[str, list[_Entry], int]] = []
    for student in sorted(by_student, key=_id_order):
        terms = by_student[student]
        ordered = sorted(terms)
        run = [ordered[0]]
        for key in ordered[1:]:
            if position[key] != position[run[-1]] + 1:
                table.notes["truncated at a missing term"] += 1
                break
            run.append(key)
        entries = [terms[key] for key in run]
        if len({entry.group for entry in terms.values() if entry.group is not None}) > 1:
            table.notes["with more than one group code (kept the last term's)"] += 1
        table.count_single([entry.grade for entry in entries])
        histories.append((student, entries, min(entry.line for entry in terms.values())))

    codes = typed_group_codes([entries[-1].group for _, entries, _ in histories])
    for (student, entries, line), code in zip(histories, codes, strict=True):
        if code is None and table.group_column is not None:
            table.notes[f"without a {table.group_label} value"] += 1
        gender = entries[0].gender
        table.students.append(
            Student(
                history=tuple(entry.grade for entry in entries),
                group_code=code,
                gender=parse_gender(gender) if gender is not None else "unknown",
                roll_number=student,
                subject_code=None,
                line=line,
                extras=tuple(None if cell is None else cell[0] for cell in extras[student]),
            )
        )


def _term_key(path: Path, line: int, column: str, text: str) -> tuple[str, TermKey]:
    """A term label -> (its pattern, its numbers): "2023-1" -> ("#-#", (2023, 1))."""
    lowered = " ".join(text.lower().split())
    numbers = tuple(int(number) for number in _NUMBER.findall(lowered))
    if not numbers:
        raise DataError(path, line, column, f"term {text!r} has no number: {_TERM_RULE}")
    return _NUMBER.sub("#", lowered), numbers


def _id_order(student: str) -> tuple[int, int, str]:
    """Integer ids in numeric order, before any other ids in text order."""
    number = parse_code(student)
    return (0, number, "") if number is not None else (1, 0, student)
