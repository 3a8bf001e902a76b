"""(history -> next grade) pairs as fixed-shape arrays: what training and evaluation consume."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.data.students import StudentTable


@dataclass(frozen=True)
class Samples:
    """Fixed-shape arrays of (history -> next grade) pairs, ready for the network."""

    grades: np.ndarray  # float32 [N, max_history], right-padded with zeros
    lengths: np.ndarray  # int64 [N]
    # int64 [N]: position of the student's code in the table's `groups`, -1 for none.
    group_indexes: np.ndarray
    targets: np.ndarray  # float32 [N]
    student_ids: np.ndarray  # int64 [N], index of the student in the table it came from

    def __len__(self) -> int:
        return len(self.targets)

    def select(self, chosen: np.ndarray) -> Samples:
        """The rows where `chosen` (a boolean mask or index array) is set."""
        return Samples(
            self.grades[chosen],
            self.lengths[chosen],
            self.group_indexes[chosen],
            self.targets[chosen],
            self.student_ids[chosen],
        )


def prefix_samples(
    table: StudentTable, ids: list[int], max_history: int, horizon: int = 1
) -> Samples:
    """Every prefix of every history: grades 1..k -> grade k + horizon for k = 1 ..
    len - horizon (at most max_history). Horizon 1 is the next grade.

    Training on all prefixes is what teaches the network variable history lengths.
    """
    rows = []
    for student_id in ids:
        history = table.students[student_id].history
        for length in range(1, min(len(history) - horizon, max_history) + 1):
            rows.append((student_id, history[:length], history[length + horizon - 1]))
    return _samples(table, rows, max_history)


def final_samples(table: StudentTable, ids: list[int], max_history: int) -> Samples:
    """The accuracy target: the first `max_history` grades -> the next one, one row per student."""
    students = table.students
    rows = [
        (i, students[i].history[:max_history], students[i].history[max_history])
        for i in ids
        if len(students[i].history) > max_history
    ]
    return _samples(table, rows, max_history)


def _samples(
    table: StudentTable, rows: list[tuple[int, tuple[float, ...], float]], max_history: int
) -> Samples:
    grades = np.zeros((len(rows), max_history), dtype=np.float32)
    lengths = np.zeros(len(rows), dtype=np.int64)
    for position, (_, history, _) in enumerate(rows):
        grades[position, : len(history)] = history
        lengths[position] = len(history)
    student_ids = np.array([i for i, _, _ in rows], dtype=np.int64)
    by_student = table.group_indexes(table.students)
    return Samples(
        grades=grades,
        lengths=lengths,
        group_indexes=by_student[student_ids] if len(rows) else np.zeros(0, dtype=np.int64),
        targets=np.array([target for _, _, target in rows], dtype=np.float32),
        student_ids=student_ids,
    )
