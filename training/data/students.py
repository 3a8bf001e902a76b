"""Students as the model sees them: a grade history, a college, and what loading them did.

The one rule every layout follows: a student's history is the leading run of present
semesters. A gap truncates it there (grades after a gap are not trusted to be the next
semester) and the truncation is counted in the table's notes, which the load summary prints.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from app.model.card import NO_COLLEGE
from training.data.reading import DataError


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
    semester_count: int  # number of semesters the file has columns (or terms) for
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

    def leading_history(self, grades: list[float | None]) -> tuple[float, ...]:
        """The history of one student's grades in semester order (None = not present),
        with the gap and single-grade notes counted; empty when the first is missing."""
        history: list[float] = []
        for grade in grades:
            if grade is None:
                break
            history.append(grade)
        if not history:
            self.dropped["without a first-semester grade"] += 1
            return ()
        if any(grade is not None for grade in grades[len(history) :]):
            self.notes["truncated at a gap"] += 1
        if len(history) == 1:
            # Kept (it is a valid student) but it yields no (history -> next grade) pair.
            self.notes["with a single grade (nothing to learn from)"] += 1
        return tuple(history)


def complete_student_ids(table: StudentTable) -> list[int]:
    """Students with every semester of the file: the rows the accuracy targets are measured on."""
    return [i for i, s in enumerate(table.students) if len(s.history) == table.semester_count]


def max_history(table: StudentTable) -> int:
    """Longest history the model can be trained on (the last semester is only ever a target)."""
    longest = max(len(s.history) for s in table.students) - 1
    if longest < 1:
        raise DataError(table.source, None, None, "no student has two consecutive grades")
    return longest
