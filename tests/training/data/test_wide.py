"""The wide layout: every quirk of the real file, and one clear error for every bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.model.card import NO_COLLEGE
from tests.training.synthetic import HEADER, write_csv
from training.data import DataError, complete_student_ids, load_students, max_history

REAL_DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "student-semester-result.csv"


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


def test_semester_columns_in_any_order_and_conflicting_rolls(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "order.csv", ["2nd,1st,Roll,Roll no.", "7.5,7.0,17,18"])
    table = load_students(path)
    assert table.students[0].history == (7.0, 7.5)
    assert table.students[0].roll_number == "17"
    assert table.notes["with conflicting roll numbers (kept the first)"] == 1


BAD_FILES = [
    ("no_semesters.csv", ["name,College Code", "x,115"], "line 1", "no semester columns"),
    ("range.csv", [HEADER, "7.0,7.1,7.2,7.3,7.4,115,M,1,,16", "7,8,11.5,7,7,115,M,2,,16"],
     "line 3, column '3rd'", "outside [0, 10]"),
    ("negative.csv", [HEADER, "7,-1,7,7,7,115,M,2,,16"], "line 2, column '2nd'", "outside"),
    ("text.csv", [HEADER, "7.0,7.1,7.2,seven,7.4,115,M,1,,16"], "line 2, column '4th'",
     "not a number"),
    # A bad grade is an error even after a gap that the history does not use.
    ("after_gap.csv", [HEADER, "7.0,,7.2,x,7.4,115,M,1,,16"], "line 2, column '4th'",
     "not a number"),
    ("ragged.csv", [HEADER, "7.0,7.1,115"], "line 2", "fields"),
    ("header_only.csv", [HEADER], "grades.csv", "no data rows"),
    ("no_first.csv", [HEADER, ",7.1,7.2,7.3,7.4,115,M,1,,16"], "grades.csv",
     "no row has a first-semester grade"),
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


@pytest.mark.skipif(not REAL_DATA.exists(), reason="the shared data set is not mounted")
def test_the_real_file_loads_with_its_known_shape() -> None:
    table = load_students(REAL_DATA)
    assert table.rows_read == 178
    assert len(complete_student_ids(table)) == 169
    assert max_history(table) == 4
    assert table.colleges == [115, 116, 165, 241]
    assert json.dumps(table.summary())
