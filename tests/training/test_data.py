"""The CSV loader: every quirk of the real file, and one clear error for every bad file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.training.synthetic import HEADER, write_csv
from training.__main__ import main
from training.data import (
    NO_COLLEGE,
    DataError,
    complete_student_ids,
    final_samples,
    load_students,
    max_history,
    prefix_samples,
)


def test_quirky_header_six_semesters_genders_and_merged_rolls(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "quirky.csv",
        [
            " 1ST , 2nd,3rd ,4TH,5th,6th,  college  code ,GENDER, Roll ,Roll No.,Subject Code ",
            "7.0,7.2,7.4,7.6,7.8,8.0,115,M,,17020.0,16",
            "6.0,6.1,6.2,6.3,6.4,6.5,116, female ,17021,,16",
            "5.0,5.5,6.0,6.5,7.0,7.5,,,,,16",
        ],
    )
    table = load_students(path)
    assert table.semester_count == 6
    assert max_history(table) == 5
    assert [s.history[-1] for s in table.students] == [8.0, 6.5, 7.5]
    assert [s.gender for s in table.students] == ["male", "female", "unknown"]
    assert [s.roll_number for s in table.students] == ["17020", "17021", None]
    assert [s.college_code for s in table.students] == [115, 116, NO_COLLEGE]
    assert table.colleges == [115, 116]
    assert table.notes["without a usable college code"] == 1


def test_history_is_the_leading_run_and_gaps_truncate(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gaps.csv",
        [
            HEADER,
            "7.0,7.1,7.2,7.3,7.4,115,M,1,,16",  # complete
            "7.0,,7.2,7.3,7.4,115,M,2,,16",  # gap after the 1st: history of one
            "6.0,6.5,6.6,,,116,F,3,,16",  # simply stops after the 3rd
            ",,6.9,,,116,F,4,,16",  # no first semester: dropped
            "",  # blank line: not a row
        ],
    )
    table = load_students(path)
    assert [len(s.history) for s in table.students] == [5, 1, 3]
    assert table.rows_read == 4
    assert table.dropped["without a first-semester grade"] == 1
    assert table.notes["truncated at a gap"] == 1
    assert "4 rows read, 3 used, 1 dropped" in table.summary()
    assert complete_student_ids(table) == [0]
    # Lines are those of the file, counting the header as line 1.
    assert [s.line for s in table.students] == [2, 3, 4]


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
    final = final_samples(table.students, [0, 1], 4)
    assert len(final) == 1 and final.targets[0] == np.float32(7.4)


BAD_FILES = [
    ("no_semesters.csv", ["name,College Code", "x,115"], "line 1", "no semester columns"),
    ("range.csv", [HEADER, "7.0,7.1,7.2,7.3,7.4,115,M,1,,16", "7,8,11.5,7,7,115,M,2,,16"],
     "line 3, column '3rd'", "outside [0, 10]"),
    ("negative.csv", [HEADER, "7,-1,7,7,7,115,M,2,,16"], "line 2, column '2nd'", "outside"),
    ("text.csv", [HEADER, "7.0,7.1,7.2,seven,7.4,115,M,1,,16"], "line 2, column '4th'",
     "not a number"),
    ("ragged.csv", [HEADER, "7.0,7.1,115"], "line 2", "fields"),
    ("header_only.csv", [HEADER], "grades.csv", "no data rows"),
    ("gap_in_columns.csv", ["1st,2nd,4th", "7,7,7"], "line 1", "without gaps"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "lines", "where", "problem"), BAD_FILES)
def test_bad_files_name_file_line_and_column(
    tmp_path: Path, name: str, lines: list[str], where: str, problem: str
) -> None:
    path = write_csv(tmp_path / name, lines)
    with pytest.raises(DataError) as raised:
        load_students(path)
    message = str(raised.value)
    assert name in message
    assert where.replace("grades.csv", name) in message
    assert problem in message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.csv: file is empty"):
        load_students(path)


def test_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "latin1.csv",
        [HEADER, "7.0,7.1,7.2,7.3,7.4,115,M,1,,16", "7.0,7.1,7.2,7.3,7.4,115,Féminin,2,,16"],
        encoding="latin-1",
    )
    with pytest.raises(DataError, match=r"latin1\.csv, line 3: file is not UTF-8"):
        load_students(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read file"):
        load_students(tmp_path / "absent.csv")


def test_cli_prints_one_line_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_csv(tmp_path / "bad.csv", [HEADER, "7.0,7.1,oops,7.3,7.4,115,M,1,,16"])
    out = tmp_path / "models"
    code = main(["train", "--data", str(path), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.strip().count("\n") == 0
    assert "bad.csv, line 2, column '3rd'" in captured.err
    assert "Traceback" not in captured.err
    assert not out.exists()  # a failed run writes nothing
