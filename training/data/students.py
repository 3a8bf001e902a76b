"""Students as the model sees them: a grade history, a group, and what loading them did.

The one rule every layout follows: a student's history is the leading run of present terms.
A gap truncates it there (grades after a gap are not trusted to be the next term) and the
truncation is counted in the table's notes, which the load summary prints.

Group codes (college, programme, school) are kept as found: a column whose every code is an
integer (also "17020.0" as spreadsheets write them) has integer codes, any other column has
string codes, trimmed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from training.data.features import ExtraColumn
from training.data.features import summary as extra_summary
from training.data.reading import DataError, parse_code

GroupCode = int | str
# What a page calls the group when the file has no group column.
DEFAULT_GROUP_LABEL = "Group"


@dataclass(frozen=True)
class Student:
    history: tuple[float, ...]  # leading run of present grades, oldest first
    group_code: GroupCode | None  # None when the file gave none
    gender: str  # "male", "female" or "unknown"; kept for reports, not used by the model
    roll_number: str | None  # the student id of a long file
    subject_code: str | None
    line: int  # (first) line of the file the student came from
    # The feature and audit columns' values (None: missing), in `StudentTable.extra_columns`'
    # order; empty when the command line named none.
    extras: tuple[str | None, ...] = ()


@dataclass
class StudentTable:
    """The students of one file, plus what the loader did to get them."""

    source: Path
    term_count: int  # terms the file has columns for, or distinct terms of a long file
    students: list[Student]
    rows_read: int
    scale: tuple[float, float]
    group_column: str | None = None  # the group column's name as found in the header
    term_labels: list[str] = field(default_factory=list)  # a long file's terms, in order
    dropped: Counter[str] = field(default_factory=Counter)  # rows, by reason
    notes: Counter[str] = field(default_factory=Counter)  # students, by what was done
    extra_columns: list[ExtraColumn] = field(default_factory=list)  # features, audit (#28)

    @property
    def groups(self) -> list[int] | list[str]:
        """The group codes the students have, sorted, unique (all int or all str)."""
        codes = {s.group_code for s in self.students if s.group_code is not None}
        integers = sorted(code for code in codes if isinstance(code, int))
        if len(integers) == len(codes):
            return integers
        return sorted(str(code) for code in codes)  # all str: typed_group_codes made them one type

    @property
    def group_label(self) -> str:
        return self.group_column or DEFAULT_GROUP_LABEL

    def group_indexes(self, students: Sequence[Student]) -> np.ndarray:
        """Each student's position in `groups`; -1 for none (the model's unknown slot)."""
        index = {code: position for position, code in enumerate(self.groups)}
        codes = [-1 if s.group_code is None else index[s.group_code] for s in students]
        return np.array(codes, dtype=np.int64)

    def summary(self) -> str:
        """One line: what was read, used, dropped and why, and what the data is."""
        used = len(self.students)
        dropped = sum(self.dropped.values())
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(self.dropped.items()))
        notes = ", ".join(f"{count} {note}" for note, count in sorted(self.notes.items()))
        line = (
            f"{self.source.name}: {self.rows_read} rows read, {used} students used, "
            f"{dropped} rows dropped"
        )
        if reasons:
            line += f" ({reasons})"
        if notes:
            line += f"; {notes}"
        terms = f"{self.term_count} terms"
        if self.term_labels:
            terms += f" ({self.term_labels[0]} .. {self.term_labels[-1]})"
        low, high = self.scale
        group = (
            f"group {self.group_column!r} with {len(self.groups)} codes"
            if self.group_column is not None
            else "no group column"
        )
        extras = extra_summary(self.extra_columns)
        return f"{line}; {terms}, scale {low:g}-{high:g}, {group}{extras}"

    def leading_history(self, grades: list[float | None]) -> tuple[float, ...]:
        """The history of one student's grades in term order (None = not present), with the
        gap and single-grade notes counted; empty (and counted) when the first is missing."""
        history: list[float] = []
        for grade in grades:
            if grade is None:
                break
            history.append(grade)
        if not history:
            self.dropped["without a first-term grade"] += 1
            return ()
        if any(grade is not None for grade in grades[len(history) :]):
            self.notes["truncated at a gap"] += 1
        self.count_single(history)
        return tuple(history)

    def count_single(self, history: Sequence[float]) -> None:
        if len(history) == 1:
            # Kept (it is a valid student) but it yields no (history -> next grade) pair.
            self.notes["with a single grade (nothing to learn from)"] += 1


def typed_group_codes(texts: Sequence[str | None]) -> list[GroupCode | None]:
    """Codes as found: all integers when every present code is one, else trimmed strings."""
    present = [text.strip() for text in texts if text is not None]
    numbers = [parse_code(text) for text in present]
    as_integers = all(number is not None for number in numbers)
    typed: list[GroupCode | None] = []
    for text in texts:
        if text is None:
            typed.append(None)
        elif as_integers:
            typed.append(parse_code(text))
        else:
            typed.append(text.strip())
    return typed


def max_history(table: StudentTable) -> int:
    """Longest history the model can be trained on (the last term is only ever a target)."""
    longest = max(len(s.history) for s in table.students) - 1
    if longest < 1:
        raise DataError(table.source, None, None, "no student has two consecutive grades")
    return longest


def complete_student_ids(table: StudentTable) -> list[int]:
    """Students with the longest history: the rows the headline accuracy target is
    measured on (every term of a wide file)."""
    longest = max_history(table) + 1
    return [i for i, s in enumerate(table.students) if len(s.history) == longest]


def grade_statistics_by_position(
    table: StudentTable, positions: int
) -> tuple[list[tuple[float, float]], list[float]]:
    """Per history position (0 = a student's first term): the lowest and highest grade and
    the mean grade of every student who has that position."""
    ranges, means = [], []
    for position in range(positions):
        grades = [s.history[position] for s in table.students if len(s.history) > position]
        ranges.append((min(grades), max(grades)))
        means.append(float(np.mean(grades)))
    return ranges, means
