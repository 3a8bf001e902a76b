"""The wide layout: every quirk of the real file, other institutions' headers, scales and
group codes, and one clear error for every bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.training.synthetic import HEADER, period_grades_lines, wide_lines, write_csv
from training.data import (
    DataError,
    DataOptions,
    complete_student_ids,
    load_students,
    max_history,
)

REAL_DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "student-semester-result.csv"
PERIOD_GRADES = DataOptions(scale=(0, 20), grade_columns=("G1", "G2", "G3"), group_column="school")


def test_quirky_header_six_terms_genders_and_merged_rolls(tmp_path: Path) -> None:
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
    assert table.term_count == 6
    assert max_history(table) == 5
    assert [s.history[-1] for s in table.students] == [8.0, 6.5, 7.5]
    assert [s.gender for s in table.students] == ["male", "female", "unknown"]
    assert [s.roll_number for s in table.students] == ["17020", "17021", None]
    assert [s.group_code for s in table.students] == [115, 116, None]
    assert table.groups == [115, 116]
    assert table.group_column == "college  code" and table.group_label == "college  code"
    assert table.notes["without a college  code value"] == 1


@pytest.mark.parametrize(
    "header",
    [
        "Sem 1,Sem 2,Sem 3",
        "semester1,SEMESTER 2,Semester  3",
        "Term 1,term2,TERM 3",
        "T1,t2,T 3",
        "1st sem,2nd semester,3rd Term",
        "3rd,1st,2nd",  # any order in the file
    ],
)
def test_ordinal_header_forms(tmp_path: Path, header: str) -> None:
    cells = dict(zip(header.split(","), ["7.0", "7.5", "8.0"], strict=True))
    ordered = sorted(cells, key=lambda name: "".join(ch for ch in name if ch.isdigit()))
    row = ",".join(cells[name] for name in header.split(","))
    table = load_students(write_csv(tmp_path / "forms.csv", [header, row]))
    assert table.students[0].history == tuple(float(cells[name]) for name in ordered)
    assert table.term_count == 3


def test_grade_columns_are_used_in_the_order_given(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "named.csv", ["b,a,c,id", "1,2,3,x"])
    options = DataOptions(grade_columns=("C", "a", "b"), no_group=True)
    assert load_students(path, options).students[0].history == (3.0, 2.0, 1.0)


def test_semester_columns_in_any_order_and_conflicting_rolls(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "order.csv", ["2nd,1st,Roll,Roll no.", "7.5,7.0,17,18"])
    table = load_students(path)
    assert table.students[0].history == (7.0, 7.5)
    assert table.students[0].roll_number == "17"
    assert table.notes["with conflicting roll numbers (kept the first)"] == 1
    assert table.group_column is None and table.group_label == "Group" and table.groups == []


def test_string_group_codes_are_kept_as_found(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "codes.csv", ["1st,2nd,Programme", "7,8, CSE ", "6,7,EEE", "5,6,"])
    table = load_students(path, DataOptions(group_column="programme"))
    assert [s.group_code for s in table.students] == ["CSE", "EEE", None]
    assert table.groups == ["CSE", "EEE"]
    assert table.group_column == "Programme"


def test_a_group_column_with_one_non_integer_code_is_all_strings(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mixed.csv", ["1st,2nd,College Code", "7,8,115", "6,7,A1"])
    assert load_students(path).groups == ["115", "A1"]


def test_no_group_ignores_the_college_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "grades.csv", [HEADER, "7.0,7.1,7.2,7.3,7.4,115,M,1,,16"])
    table = load_students(path, DataOptions(no_group=True))
    assert table.group_column is None and table.students[0].group_code is None
    assert "no group column" in table.summary()


def test_twelve_terms(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "twelve.csv", wide_lines(30, terms=12, seed=1))
    table = load_students(path)
    assert table.term_count == 12
    assert max_history(table) == 11
    assert table.groups == [115, 116, 165, 241]


def test_period_grades_shape_on_a_0_20_scale(tmp_path: Path) -> None:
    """The UCI layout: ';', quoted strings and quoted grades, string school codes."""
    path = write_csv(tmp_path / "student-por.csv", period_grades_lines(60, seed=2))
    table = load_students(path, PERIOD_GRADES)
    assert table.rows_read == 60 and len(table.students) == 60
    assert table.term_count == 3 and max_history(table) == 2
    assert table.groups == ["GP", "MS"]
    assert all(
        grade == int(grade) and 0 <= grade <= 20 for s in table.students for grade in s.history
    )
    assert table.summary().endswith("3 terms, scale 0-20, group 'school' with 2 codes")
    assert [s.gender for s in table.students[:3]] != ["unknown"] * 3  # `sex` is read


BAD_FILES = [
    ("no_terms.csv", ["name,College Code", "x,115"], "line 1", "no term columns", None),
    ("range.csv", [HEADER, "7.0,7.1,7.2,7.3,7.4,115,M,1,,16", "7,8,11.5,7,7,115,M,2,,16"],
     "line 3, column '3rd'", "outside [0, 10]", None),
    ("negative.csv", [HEADER, "7,-1,7,7,7,115,M,2,,16"], "line 2, column '2nd'", "outside", None),
    ("text.csv", [HEADER, "7.0,7.1,7.2,seven,7.4,115,M,1,,16"], "line 2, column '4th'",
     "not a number", None),
    # A bad grade is an error even after a gap that the history does not use.
    ("after_gap.csv", [HEADER, "7.0,,7.2,x,7.4,115,M,1,,16"], "line 2, column '4th'",
     "not a number", None),
    ("ragged.csv", [HEADER, "7.0,7.1,115"], "line 2", "fields", None),
    ("header_only.csv", [HEADER], "grades.csv", "no data rows", None),
    ("no_first.csv", [HEADER, ",7.1,7.2,7.3,7.4,115,M,1,,16"], "grades.csv",
     "no row has a first-term grade", None),
    ("gap_in_columns.csv", ["1st,2nd,4th", "7,7,7"], "line 1", "without gaps", None),
    ("twice.csv", ["1st,Sem 1,2nd", "7,7,7"], "line 1", "once each", None),
    ("one_term.csv", ["1st,College Code", "7,115"], "line 1, column '1st'", "only one term", None),
    ("scale.csv", ["G1;G2", '"12";"21"'], "line 2, column 'G2'", "outside [0, 20]",
     DataOptions(scale=(0, 20), grade_columns=("G1", "G2"))),
    ("unknown_grade_column.csv", ["G1,G2", "1,2"], "line 1, column 'G3'", "no such column",
     DataOptions(grade_columns=("G1", "G3"))),
    ("unknown_group.csv", [HEADER, "7,7,7,7,7,115,M,1,,16"], "line 1, column 'school'",
     "no such column (from --group-column)", DataOptions(group_column="school")),
    ("group_is_grade.csv", ["G1,G2", "1,2"], "line 1, column 'G2'", "both the group column",
     DataOptions(grade_columns=("G1", "G2"), group_column="G2")),
    ("named_twice.csv", ["G1,G2", "1,2"], "line 1, column 'G1'", "named twice",
     DataOptions(grade_columns=("G1", "g1"))),
]  # fmt: skip


@pytest.mark.parametrize(("name", "lines", "where", "problem", "options"), BAD_FILES)
def test_bad_files_name_file_line_and_column(
    tmp_path: Path,
    name: str,
    lines: list[str],
    where: str,
    problem: str,
    options: DataOptions | None,
) -> None:
    path = write_csv(tmp_path / name, lines)
    with pytest.raises(DataError) as raised:
        load_students(path, options)
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
    assert table.groups == [115, 116, 165, 241]
    assert table.summary() == (
        "student-semester-result.csv: 178 rows read, 176 students used, 2 rows dropped "
        "(2 without a first-term grade); 3 truncated at a gap, 2 with a single grade (nothing "
        "to learn from); 5 terms, scale 0-10, group 'College Code' with 4 codes"
    )
    assert json.dumps(table.summary())
