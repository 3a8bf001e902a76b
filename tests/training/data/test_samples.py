"""(history -> next grade) pairs: every prefix for training, the full history for accuracy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.training.synthetic import HEADER, write_csv
from training.data import final_samples, load_students, prefix_samples


def test_prefix_and_final_samples(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "two.csv",
        [HEADER, "7.0,7.1,7.2,7.3,7.4,115,M,1,,16", "6.0,6.5,6.6,,,116,F,2,,16"],
    )
    table = load_students(path)
    prefixes = prefix_samples(table.students, [0, 1], 4)
    # 4 prefixes of the complete student, 2 of the one with three grades.
    assert prefixes.lengths.tolist() == [1, 2, 3, 4, 1, 2]
    assert prefixes.targets.tolist() == pytest.approx([7.1, 7.2, 7.3, 7.4, 6.5, 6.6])
    assert prefixes.grades[5].tolist() == pytest.approx([6.0, 6.5, 0.0, 0.0])
    assert prefixes.student_ids.tolist() == [0, 0, 0, 0, 1, 1]
    assert prefixes.college_codes.tolist() == [115] * 4 + [116] * 2
    final = final_samples(table.students, [0, 1], 4)
    assert len(final) == 1 and final.targets[0] == np.float32(7.4)
