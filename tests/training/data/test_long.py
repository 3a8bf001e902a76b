"""The long layout: one row per student and term, in any order, with every rule of the
loader (term order, missing terms, duplicates, conflicts) on a small file."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.training.synthetic import long_export_lines, write_csv
from training.data import DataError, DataOptions, load_students, max_history

LONG = DataOptions(
    scale=(0, 4), student_column="id", term_column="term", grade_column="gpa", group_column="prog"
)
HEADER = "id,term,prog,gpa"


def load(tmp_path: Path, rows: list[str], options: DataOptions = LONG, name: str = "long.csv"):
    return load_students(write_csv(tmp_path / name, [HEADER, *rows]), options)


def test_rows_in_any_order_give_the_same_table(tmp_path: Path) -> None:
    rows = [
        f"{student},{year}-{half},{prog},{grade + (year - 2021) * 0.2 + half * 0.1:.2f}"
        for student, prog, grade in [("s2", "CSE", 3.0), ("s1", "EEE", 2.0), ("s10", "CSE", 1.0)]
        for year in (2021, 2022)
        for half in (1, 2)
    ]
    ordered = load(tmp_path, rows, name="ordered.csv")
    shuffled_rows = rows[:]
    random.Random(4).shuffle(shuffled_rows)
    shuffled = load(tmp_path, shuffled_rows, name="shuffled.csv")
    assert [s.history for s in ordered.students] == [s.history for s in shuffled.students]
    assert [s.roll_number for s in shuffled.students] == ["s1", "s10", "s2"]  # by id
    assert shuffled.students[0].history == (2.1, 2.2, 2.3, 2.4)
    assert shuffled.term_labels == ["2021-1", "2021-2", "2022-1", "2022-2"]
    assert shuffled.term_count == 4 and max_history(shuffled) == 3
    assert shuffled.groups == ["CSE", "EEE"]


def test_terms_sort_by_their_numbers(tmp_path: Path) -> None:
    rows = ["a,2023-10,X,3.0", "a,2023-9,X,2.0", "a,2024-1,X,3.5", "b,2023-9,X,1.0"]
    table = load(tmp_path, rows)
    assert table.term_labels == ["2023-9", "2023-10", "2024-1"]
    assert table.students[0].history == (2.0, 3.0, 3.5)


def test_integer_terms_and_integer_student_ids_in_numeric_order(tmp_path: Path) -> None:
    rows = ["10,2,X,3.0", "10,1,X,2.0", "9,10,X,1.0", "9,9,X,1.5"]
    table = load(tmp_path, rows)
    assert [s.roll_number for s in table.students] == ["9", "10"]
    assert table.term_labels == ["1", "2", "9", "10"]
    # Student 9 starts at term 9 (a later start is no gap); 10 stops after term 2.
    assert [s.history for s in table.students] == [(1.5, 1.0), (2.0, 3.0)]


def test_a_missing_term_cuts_the_history_against_the_files_calendar(tmp_path: Path) -> None:
    rows = [
        "a,2023-1,X,3.0",
        "a,2023-2,X,3.1",
        "a,2024-2,X,3.3",  # 2024-1 is missing for a: cut after 2023-2
        "b,2023-1,X,2.0",
        "b,2023-2,X,2.1",
        "b,2024-1,X,2.2",
        "b,2024-2,X,2.3",
        "c,2023-2,X,1.0",  # starts later: no gap
        "c,2024-1,X,1.5",
        "d,2023-1,X,2.5",
        "d,2023-2,X,",  # no grade: the term is missing for d
        "d,2024-1,X,2.7",
    ]
    table = load(tmp_path, rows)
    assert [s.history for s in table.students] == [
        (3.0, 3.1),
        (2.0, 2.1, 2.2, 2.3),
        (1.0, 1.5),
        (2.5,),
    ]
    assert table.notes["truncated at a missing term"] == 2
    assert table.notes["with a single grade (nothing to learn from)"] == 1
    assert table.dropped["without a grade (the term counts as missing)"] == 1


def test_exact_duplicates_are_dropped_and_counted(tmp_path: Path) -> None:
    rows = ["a,1,X,3.0", "a,2,X,3.1", "a,1,X,3.0", " a , 1 ,X, 3.0", "a,2,Y,3.1"]
    table = load(tmp_path, rows)
    assert table.students[0].history == (3.0, 3.1)
    assert table.dropped["exact duplicate rows"] == 2  # spaces do not make a row different
    assert table.dropped["repeated rows with the same grade (other cells differ)"] == 1
    summary = table.summary()
    assert "5 rows read, 1 students used, 3 rows dropped (2 exact duplicate rows" in summary


def test_two_grades_for_one_student_and_term_name_both_lines(tmp_path: Path) -> None:
    rows = ["a,2023-1,X,3.0", "b,2023-1,X,2.0", "a,2023-1,X,3.5"]
    with pytest.raises(DataError) as raised:
        load(tmp_path, rows, name="conflict.csv")
    message = str(raised.value)
    assert message.startswith("conflict.csv, line 4, column 'gpa': ") or "line 4" in message
    assert "student 'a' has two different grades for term '2023-1'" in message
    assert "3 on line 2 and 3.5 on line 4" in message


@pytest.mark.parametrize(
    ("terms", "problem"),
    [
        (["Fall", "Spring"], "term 'Fall' has no number"),
        (["Fall 2023", "Spring 2024"], "term 'Spring 2024' does not follow the pattern of"),
        (["2023-1", "3"], "term '3' does not follow the pattern of '2023-1' (line 2)"),
    ],
)
def test_unsortable_terms_are_an_error_that_says_so(
    tmp_path: Path, terms: list[str], problem: str
) -> None:
    rows = [f"a,{term},X,3.0" for term in terms]
    with pytest.raises(DataError) as raised:
        load(tmp_path, rows, name="terms.csv")
    message = str(raised.value)
    assert "terms.csv, line" in message and "column 'term'" in message
    assert problem in message
    assert "such as 2023-1" in message


def test_labels_of_one_pattern_in_any_case_sort(tmp_path: Path) -> None:
    table = load(tmp_path, ["a,T2,X,3.0", "a,t1,X,2.0", "a,T10,X,2.5"])
    assert table.term_labels == ["t1", "T2", "T10"]
    # The calendar is the file's terms: no T3 .. T9 anywhere, so T10 follows T2.
    assert table.students[0].history == (2.0, 3.0, 2.5)


def test_twelve_terms_and_string_codes(tmp_path: Path) -> None:
    rows = [
        f"{student},{term},{prog},{(student * 7 + term) % 40 / 10:.1f}"
        for student, prog in [(1, "CSE"), (2, "ME"), (3, "CSE")]
        for term in range(1, 14)
    ]
    table = load(tmp_path, rows)
    assert table.term_count == 13
    assert max_history(table) == 12
    assert table.groups == ["CSE", "ME"]
    assert [s.group_code for s in table.students] == ["CSE", "ME", "CSE"]


def test_integer_programme_codes_stay_integers(tmp_path: Path) -> None:
    table = load(tmp_path, ["a,1,17,3.0", "a,2,17,3.1", "b,1,5,2.0"])
    assert table.groups == [5, 17]


def test_a_student_who_changes_group_keeps_the_last_terms_and_is_counted(tmp_path: Path) -> None:
    table = load(tmp_path, ["a,1,CSE,3.0", "a,2,EEE,3.1", "a,3,EEE,3.2"])
    assert table.students[0].group_code == "EEE"
    assert table.notes["with more than one group code (kept the last term's)"] == 1


def test_rows_without_id_or_term_are_dropped_and_counted(tmp_path: Path) -> None:
    table = load(tmp_path, ["a,1,X,3.0", ",2,X,3.1", "a,,X,3.2", "a,2,X,3.3"])
    assert table.dropped == {"without a student id": 1, "without a term": 1}
    assert table.students[0].history == (3.0, 3.3)


@pytest.mark.parametrize(
    ("rows", "options", "where", "problem"),
    [
        (["a,1,X,4.5"], LONG, "line 2, column 'gpa'", "grade 4.5 is outside [0, 4]"),
        (["a,1,X,good"], LONG, "line 2, column 'gpa'", "not a number"),
        (["a,1,X,3"], DataOptions(student_column="student", term_column="term",
         grade_column="gpa"), "line 1, column 'student'", "no such column (from --student-column)"),
        (["a,1,X,3"], DataOptions(student_column="id", term_column="term", grade_column="gpa",
         group_column="school"), "line 1, column 'school'", "no such column"),
        ([], LONG, "long.csv", "no data rows"),
        (["a,1,X,", "b,2,X,"], LONG, "long.csv", "no row has a student, a term and a grade"),
    ],
)  # fmt: skip
def test_bad_long_files_name_file_line_and_column(
    tmp_path: Path, rows: list[str], options: DataOptions, where: str, problem: str
) -> None:
    with pytest.raises(DataError) as raised:
        load(tmp_path, rows, options)
    assert "long.csv" in str(raised.value)
    assert where in str(raised.value)
    assert problem in str(raised.value)


def test_the_synthetic_long_export(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", long_export_lines(200, terms=8, seed=3))
    options = DataOptions(
        scale=(0, 4),
        student_column="student_id",
        term_column="term",
        grade_column="gpa",
        group_column="programme",
    )
    table = load_students(path, options)
    assert len(table.students) == 200
    assert max(len(s.history) for s in table.students) == 8
    assert min(len(s.history) for s in table.students) == 1
    assert table.term_count == 10  # two cohorts a year apart
    assert table.dropped["exact duplicate rows"] > 0
    assert table.groups == sorted(["CSE", "EEE", "ME", "CIV", "BBA", "ARCH"])
    summary = table.summary()
    assert summary.startswith(f"export.csv: {table.rows_read} rows read, 200 students used")
    assert "10 terms (2020-1 .. 2024-2), scale 0-4, group 'programme' with 6 codes" in summary
