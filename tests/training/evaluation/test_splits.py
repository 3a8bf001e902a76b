"""The splits every model is scored on: the seed split, and folds drawn per stratum."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import RepeatedKFold

from tests.training.synthetic import HEADER, long_export_lines, synthetic_rows, write_csv
from training.data import DataError, DataOptions, complete_student_ids, load_students
from training.evaluation.splits import cross_validation_ids, seed_split_ids


def test_folds_of_the_complete_students_are_the_plain_k_fold_ones(tmp_path: Path) -> None:
    table = load_students(write_csv(tmp_path / "g.csv", [HEADER, *synthetic_rows(60)]))
    complete = np.array(complete_student_ids(table))
    splits = list(cross_validation_ids(table, folds=3, repeats=2, seed=42))
    plain = RepeatedKFold(n_splits=3, n_repeats=2, random_state=42).split(complete)
    for test_ids, (_, test_index) in zip(splits, plain, strict=True):
        assert sorted(set(test_ids) & set(complete.tolist())) == sorted(complete[test_index])
    # The others (4 incomplete students here) are tested too, once per repeat.
    others = {i for i, s in enumerate(table.students) if i not in set(complete.tolist())}
    assert len(others) == 4
    for repeat in (splits[:3], splits[3:]):
        tested = [i for test_ids in repeat for i in test_ids]
        assert sorted(tested) == list(range(len(table.students)))


def test_a_long_file_tests_students_of_every_length(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "long.csv", long_export_lines(100, terms=6, seed=1))
    options = DataOptions(
        scale=(0, 4), student_column="student_id", term_column="term", grade_column="gpa"
    )
    table = load_students(path, options)
    tested = {i for test_ids in cross_validation_ids(table, 5, 1, 0) for i in test_ids}
    lengths = {len(table.students[i].history) for i in tested}
    assert lengths == set(range(2, 7))  # single-grade students have nothing to test


def test_too_few_complete_students_is_a_data_error(tmp_path: Path) -> None:
    rows = [HEADER, *synthetic_rows(4)]
    table = load_students(write_csv(tmp_path / "tiny.csv", rows))
    with pytest.raises(DataError, match="the seed split's 20% test part needs at least 5"):
        seed_split_ids(table)
    with pytest.raises(DataError, match="5-fold cross-validation needs at least that many"):
        list(cross_validation_ids(table, 5, 1, 0))
