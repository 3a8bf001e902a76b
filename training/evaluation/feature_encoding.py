"""Feature columns as model inputs (#28, step 1), learnt from a fold's training rows only.

One documented way to handle a missing value, never a crash: a numeric column gives two
inputs, its value (a missing one filled with the mean of the training students' present
values, 0 when none is present) and a missing indicator (1 where the value was missing); a
categorical column gives a one-hot of the categories the training students have, plus a
"missing" category of its own. A category only the test students have gets all zeros (the
reference level), as an unseen group does in `training.evaluation.baselines`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.data import StudentTable
from training.data.features import FEATURE
from training.data.reading import parse_number

MISSING_CATEGORY = "missing"


@dataclass(frozen=True)
class FeatureEncoding:
    """What the training rows taught: per feature column, its fill or its categories."""

    columns: tuple[int, ...]  # positions in the students' `extras`
    fills: dict[int, float]  # numeric columns: the training mean
    categories: dict[int, tuple[str, ...]]  # categorical columns: training's, then "missing"

    def transform(self, table: StudentTable, student_ids: np.ndarray) -> np.ndarray:
        """float64 [N, inputs]: one row per id, in the order given."""
        blocks: list[np.ndarray] = []
        students = [table.students[i] for i in student_ids.tolist()]
        for column in self.columns:
            cells = [student.extras[column] for student in students]
            if column in self.fills:
                numbers = [None if cell is None else parse_number(cell) for cell in cells]
                absent = np.array([number is None for number in numbers], dtype=np.float64)
                values = [self.fills[column] if n is None else n for n in numbers]
                blocks.append(np.column_stack([np.array(values, dtype=np.float64), absent]))
            else:
                named = np.array([c or MISSING_CATEGORY for c in cells], dtype=object)
                known = np.array(self.categories[column], dtype=object)
                blocks.append((named[:, None] == known[None, :]).astype(np.float64))
        return np.hstack(blocks) if blocks else np.zeros((len(students), 0))


def fit_encoding(table: StudentTable, train_ids: np.ndarray) -> FeatureEncoding:
    """The fills and categories of the feature columns, from these training students alone."""
    students = [table.students[i] for i in np.unique(train_ids).tolist()]
    columns, fills, categories = [], {}, {}
    for column, spec in enumerate(table.extra_columns):
        if spec.role != FEATURE:
            continue
        columns.append(column)
        cells = [student.extras[column] for student in students]
        if spec.kind == "numeric":
            present = [parse_number(cell) for cell in cells if cell is not None]
            numbers = [number for number in present if number is not None]
            fills[column] = float(np.mean(numbers)) if numbers else 0.0
        else:
            seen = sorted({cell for cell in cells if cell is not None} - {MISSING_CATEGORY})
            categories[column] = (*seen, MISSING_CATEGORY)
    return FeatureEncoding(tuple(columns), fills, categories)
