"""(history -> next grade) pairs: every prefix for training, the full history for accuracy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.training.synthetic import HEADER, write_csv
from training.data import DataOptions, final_samples, load_students, prefix_samples


def test_prefix_and_final_samples(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "two.csv",
        [HEADER, "7.0,7.1,7.2,7.3,7.4,116,M,1,,16", "6.0,6.5,6.6,,,115,F,2,,16"],
    )
    table = load_students(path)
    prefixes = prefix_samples(table, [0, 1], 4)
    # 4 prefixes of the complete student, 2 of the one with three grades.
    assert prefixes.lengths.tolist() == [1, 2, 3, 4, 1, 2]
    assert prefixes.targets.tolist() == pytest.approx([7.1, 7.2, 7.3, 7.4, 6.5, 6.6])
    assert prefixes.grades[5].tolist() == pytest.approx([6.0, 6.5, 0.0, 0.0])
    assert prefixes.student_ids.tolist() == [0, 0, 0, 0, 1, 1]
    # Positions in the sorted codes [115, 116], not the codes.
    assert prefixes.group_indexes.tolist() == [1] * 4 + [0] * 2
    final = final_samples(table, [0, 1], 4)
    assert len(final) == 1 and final.targets[0] == np.float32(7.4)
    assert prefixes.select(prefixes.lengths == 2).targets.tolist() == pytest.approx([7.2, 6.6])


def test_string_codes_and_no_code_become_indexes(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["1st,2nd,school", "7,8,MS", "6,7,GP", "5,6,"])
    table = load_students(path, DataOptions(group_column="school"))
    assert prefix_samples(table, [0, 1, 2], 1).group_indexes.tolist() == [1, 0, -1]
