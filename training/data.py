"""Read the messy student-grades CSV into clean per-student grade histories.

Quirks handled on purpose: column names with stray spaces or odd case, semester columns named
by ordinal (`1st` ... `6th` ...), gender spelt Male/M/Female/F/blank, a roll number split
over two half-filled columns, and gaps inside a student's grades. A student's history is the
leading run of present semesters; a gap truncates it there (later grades after a gap are not
trusted to be the next semester) and the truncation is counted in the load summary.

Every problem with a file raises `DataError`, whose message names the file, the 1-based line
of the file and the column, so the command line can print one line instead of a traceback.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

GRADE_MIN = 0.0
GRADE_MAX = 10.0
NO_COLLEGE = -1

_ORDINAL = re.compile(r"^(\d+)\s*(st|nd|rd|th)$")
_MISSING = {"", "na", "n/a", "nan", "none", "null", "-"}
_GENDERS = {"male": "male", "m": "male", "female": "female", "f": "female"}


class DataError(ValueError):
    """A CSV that cannot be used, with the file, line and column that show why."""

    def __init__(self, path: Path | str, line: int | None, column: str | None, problem: str):
        where = [str(path)]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}")
        self.path = str(path)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Student:
    history: tuple[float, ...]  # leading run of present grades, oldest first
    college_code: int  # NO_COLLEGE when the file gave none
    gender: str  # "male", "female" or "unknown"; kept for reports, not used by the model
    roll_number: str | None
    subject_code: str | None
    line: int  # line of the file the student came from


@dataclass
class StudentTable:
    """The students of one file, plus what the loader did to get them."""

    source: Path
    semester_count: int  # number of semester columns in the file
    students: list[Student]
    rows_read: int
    dropped: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)

    @property
    def colleges(self) -> list[int]:
        return sorted({s.college_code for s in self.students if s.college_code != NO_COLLEGE})

    def summary(self) -> str:
        used = len(self.students)
        dropped = sum(self.dropped.values())
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(self.dropped.items()))
        notes = ", ".join(f"{count} {note}" for note, count in sorted(self.notes.items()))
        line = f"{self.source.name}: {self.rows_read} rows read, {used} used, {dropped} dropped"
        if reasons:
            line += f" ({reasons})"
        if notes:
            line += f"; {notes}"
        return line


def _normalise_name(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(path, line, None, "file is not UTF-8 text (wrong encoding?)") from None


def _parse_grade(path: Path, line: int, column: str, text: str) -> float | None:
    if text.strip().lower() in _MISSING:
        return None
    try:
        grade = float(text)
    except ValueError:
        raise DataError(path, line, column, f"grade {text.strip()!r} is not a number") from None
    if not math.isfinite(grade) or not GRADE_MIN <= grade <= GRADE_MAX:
        raise DataError(path, line, column, f"grade {grade} is outside [0, 10]")
    return grade


def _parse_code(text: str) -> int | None:
    """Integer codes that spreadsheets sometimes wrote as floats ("17020.0")."""
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value == int(value) else None


def _semester_columns(path: Path, header: list[str]) -> list[tuple[int, int, str]]:
    """(position in row, semester number, name in file) sorted by semester number."""
    found = []
    for position, name in enumerate(header):
        match = _ORDINAL.match(_normalise_name(name))
        if match:
            found.append((position, int(match.group(1)), name))
    if not found:
        raise DataError(path, 1, None, "no semester columns (expected names like '1st', '2nd')")
    found.sort(key=lambda column: column[1])
    numbers = [number for _, number, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise DataError(
            path, 1, None, f"semester columns must be 1st, 2nd, ... without gaps; got {numbers}"
        )
    return found


def load_students(path: Path | str) -> StudentTable:
    """Parse one CSV; raises DataError on any file it cannot use."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(path, None, None, f"cannot read file: {error.strerror}") from None
    text = _decode(path, raw)
    if not text.strip():
        raise DataError(path, None, None, "file is empty")

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as error:
        raise DataError(path, 1, None, f"not a CSV header: {error}") from None
    semesters = _semester_columns(path, header)
    names = [_normalise_name(name) for name in header]

    def position_of(wanted: str) -> int | None:
        return names.index(wanted) if wanted in names else None

    college_at = position_of("college code")
    gender_at = position_of("gender")
    subject_at = position_of("subject code")
    roll_at = [i for i, name in enumerate(names) if name.startswith("roll")]

    table = StudentTable(source=path, semester_count=len(semesters), students=[], rows_read=0)
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines are not rows
            table.rows_read += 1
            if len(row) != len(header):
                raise DataError(
                    path, line, None, f"row has {len(row)} fields, the header has {len(header)}"
                )
            grades = [_parse_grade(path, line, name, row[at]) for at, _, name in semesters]
            student = _student_from_row(table, row, line, grades, college_at, gender_at)
            if student is None:
                continue
            rolls = [row[i].strip() for i in roll_at if row[i].strip().lower() not in _MISSING]
            merged_roll = _merge_rolls(table, rolls)
            subject = row[subject_at].strip() if subject_at is not None else None
            table.students.append(
                Student(
                    history=student[0],
                    college_code=student[1],
                    gender=student[2],
                    roll_number=merged_roll,
                    subject_code=subject or None,
                    line=line,
                )
            )
    except csv.Error as error:
        raise DataError(path, reader.line_num, None, f"malformed CSV: {error}") from None
    if table.rows_read == 0:
        raise DataError(path, None, None, "file has a header but no data rows")
    if not table.students:
        raise DataError(path, None, None, "no row has a first-semester grade")
    return table


def _student_from_row(
    table: StudentTable,
    row: list[str],
    line: int,
    grades: list[float | None],
    college_at: int | None,
    gender_at: int | None,
) -> tuple[tuple[float, ...], int, str] | None:
    history: list[float] = []
    for grade in grades:
        if grade is None:
            break
        history.append(grade)
    if not history:
        table.dropped["without a first-semester grade"] += 1
        return None
    if any(grade is not None for grade in grades[len(history) :]):
        table.notes["truncated at a gap"] += 1
    if len(history) == 1:
        # Kept (it is a valid student) but it yields no (history -> next grade) pair.
        table.notes["with a single grade (nothing to learn from)"] += 1

    college = NO_COLLEGE
    if college_at is not None:
        parsed = _parse_code(row[college_at])
        if parsed is None:
            table.notes["without a usable college code"] += 1
        else:
            college = parsed
    gender_text = row[gender_at].strip().lower() if gender_at is not None else ""
    gender = _GENDERS.get(gender_text, "unknown")
    return tuple(history), college, gender


def _merge_rolls(table: StudentTable, rolls: list[str]) -> str | None:
    """The two roll-number columns are each half filled: take whichever is present."""
    codes = [_parse_code(roll) for roll in rolls]
    normalised = [
        str(code) if code is not None else roll for code, roll in zip(codes, rolls, strict=True)
    ]
    if len(set(normalised)) > 1:
        table.notes["with conflicting roll numbers (kept the first)"] += 1
    return normalised[0] if normalised else None


@dataclass(frozen=True)
class Samples:
    """Fixed-shape arrays of (history -> next grade) pairs, ready for the network."""

    grades: np.ndarray  # float32 [N, max_history], right-padded with zeros
    lengths: np.ndarray  # int64 [N]
    college_codes: np.ndarray  # int64 [N], NO_COLLEGE when not given
    targets: np.ndarray  # float32 [N]
    student_ids: np.ndarray  # int64 [N], index of the student in the table it came from

    def __len__(self) -> int:
        return len(self.targets)

    def subset(self, mask: np.ndarray) -> Samples:
        return Samples(
            grades=self.grades[mask],
            lengths=self.lengths[mask],
            college_codes=self.college_codes[mask],
            targets=self.targets[mask],
            student_ids=self.student_ids[mask],
        )


def prefix_samples(students: list[Student], ids: list[int], max_history: int) -> Samples:
    """Every prefix of every history: grades 1..k -> grade k+1 for k = 1 .. len - 1.

    Training on all prefixes is what teaches the network variable history lengths.
    """
    rows = []
    for student_id in ids:
        history = students[student_id].history
        for length in range(1, min(len(history) - 1, max_history) + 1):
            rows.append((student_id, history[:length], history[length]))
    return _samples(students, rows, max_history)


def final_samples(students: list[Student], ids: list[int], max_history: int) -> Samples:
    """The accuracy target: the first `max_history` grades -> the next one, one row per student."""
    rows = [
        (i, students[i].history[:max_history], students[i].history[max_history])
        for i in ids
        if len(students[i].history) > max_history
    ]
    return _samples(students, rows, max_history)


def _samples(
    students: list[Student], rows: list[tuple[int, tuple[float, ...], float]], max_history: int
) -> Samples:
    grades = np.zeros((len(rows), max_history), dtype=np.float32)
    lengths = np.zeros(len(rows), dtype=np.int64)
    for position, (_, history, _) in enumerate(rows):
        grades[position, : len(history)] = history
        lengths[position] = len(history)
    return Samples(
        grades=grades,
        lengths=lengths,
        college_codes=np.array([students[i].college_code for i, _, _ in rows], dtype=np.int64),
        targets=np.array([target for _, _, target in rows], dtype=np.float32),
        student_ids=np.array([i for i, _, _ in rows], dtype=np.int64),
    )


def complete_student_ids(table: StudentTable) -> list[int]:
    """Students with every semester of the file: the rows the accuracy targets are measured on."""
    return [i for i, s in enumerate(table.students) if len(s.history) == table.semester_count]


def max_history(table: StudentTable) -> int:
    """Longest history the model can be trained on (the last semester is only ever a target)."""
    longest = max(len(s.history) for s in table.students) - 1
    if longest < 1:
        raise DataError(table.source, None, None, "no student has two consecutive grades")
    return longest
