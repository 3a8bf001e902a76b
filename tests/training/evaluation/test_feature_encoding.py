"""Features as inputs (#28): a numeric column's fill is the mean of the training rows alone,
with a missing indicator; a categorical one has a "missing" category of its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.training.synthetic import write_csv
from training.data import DataOptions, load_students
from training.evaluation.feature_encoding import MISSING_CATEGORY, fit_encoding

ROWS = [
    "1st,2nd,absences,higher,sex",
    "7.0,7.2,4,yes,F",
    "6.0,6.1,,no,M",
    "8.0,8.1,10,,F",
    "5.5,5.0,100,maybe,M",  # a test student with a category no training student has
    "6.5,6.4,,yes,F",
]


def table(tmp_path: Path):
    options = DataOptions(feature_columns=("absences", "higher"), audit_columns=("sex",))
    return load_students(write_csv(tmp_path / "f.csv", ROWS), options)


def test_the_fill_and_categories_come_from_the_training_rows_only(tmp_path: Path) -> None:
    students = table(tmp_path)
    train, test = np.array([0, 1, 2]), np.array([3, 4])
    encoding = fit_encoding(students, train)
    # The test student's 100 absences do not move the fill: mean of 4 and 10.
    assert encoding.fills == {0: 7.0}
    assert encoding.categories == {1: ("no", "yes", MISSING_CATEGORY)}
    # The audit column (position 2) is never an input.
    assert encoding.columns == (0, 1)
    inputs = encoding.transform(students, np.concatenate([train, test]))
    # absences, absent?, higher=no, higher=yes, higher=missing
    expected = [
        [4, 0, 0, 1, 0],
        [7, 1, 1, 0, 0],
        [10, 0, 0, 0, 1],
        [100, 0, 0, 0, 0],  # "maybe": unseen in training, the reference level
        [7, 1, 0, 1, 0],
    ]
    np.testing.assert_array_equal(inputs, np.array(expected, dtype=np.float64))


def test_another_fold_learns_another_fill(tmp_path: Path) -> None:
    students = table(tmp_path)
    assert fit_encoding(students, np.array([2, 3])).fills == {0: 55.0}
    # No present value among the training rows: fill 0, the indicator carries the signal.
    assert fit_encoding(students, np.array([1, 4])).fills == {0: 0.0}
