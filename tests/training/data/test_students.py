"""Histories: the leading run of present grades, and what the table counts about them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.training.synthetic import HEADER, write_csv
from training.data import (
    DataError,
    complete_student_ids,
    grade_statistics_by_position,
    load_students,
    max_history,
)
from training.data.students import typed_group_codes


def test_history_is_the_leading_run_and_gaps_truncate(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gaps.csv",
        [
            HEADER,
            "7.0,7.1,7.2,7.3,7.4,115,M,1,,16",  # complete
            "7.0,,7.2,7.3,7.4,115,M,2,,16",  # gap after the 1st: history of one
            "6.0,6.5,6.6,,,116,F,3,,16",  # simply stops after the 3rd
            ",,6.9,,,116,F,4,,16",  # no first term: dropped
            "",  # blank line: not a row
        ],
    )
    table = load_students(path)
    assert [len(s.history) for s in table.students] == [5, 1, 3]
    assert table.rows_read == 4
    assert table.dropped["without a first-term grade"] == 1
    assert table.notes["truncated at a gap"] == 1
    assert table.notes["with a single grade (nothing to learn from)"] == 1
    assert "4 rows read, 3 students used, 1 rows dropped" in table.summary()
    assert complete_student_ids(table) == [0]
    # Lines are those of the file, counting the header as line 1.
    assert [s.line for s in table.students] == [2, 3, 4]


def test_complete_means_the_longest_history_in_the_file(tmp_path: Path) -> None:
    # Nobody has the 5th term: the longest history (4) is what "complete" means.
    path = write_csv(
        tmp_path / "short.csv",
        [HEADER, "7,7,7,7,,115,M,1,,16", "6,6,6,,,116,F,2,,16", "5,5,5,5,,116,F,3,,16"],
    )
    table = load_students(path)
    assert max_history(table) == 3
    assert complete_student_ids(table) == [0, 2]


def test_grade_statistics_by_position(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "stats.csv",
        [HEADER, "7,8,9,9,9,115,M,1,,16", "5,6,,,,116,F,2,,16", "6,,,,,116,F,3,,16"],
    )
    ranges, means = grade_statistics_by_position(load_students(path), 2)
    assert ranges == [(5.0, 7.0), (6.0, 8.0)]
    assert means == pytest.approx([6.0, 7.0])


def test_group_codes_are_typed_as_found() -> None:
    assert typed_group_codes(["115", " 116 ", None, "17020.0"]) == [115, 116, None, 17020]
    assert typed_group_codes(["GP", "MS ", None]) == ["GP", "MS", None]
    assert typed_group_codes(["115", "GP"]) == ["115", "GP"]
    assert typed_group_codes([None]) == [None]


def test_no_student_with_two_grades_has_no_history_to_learn(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "single.csv", [HEADER, "7.0,,,,,115,M,1,,16"])
    with pytest.raises(DataError, match="no student has two consecutive grades"):
        max_history(load_students(path))
