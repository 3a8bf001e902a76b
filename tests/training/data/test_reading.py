"""What every layout shares: opening a CSV and parsing a cell, each failure named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.training.synthetic import HEADER, write_csv
from training.data import DataError
from training.data.reading import parse_code, parse_gender, parse_grade, read_csv

TEN = (0.0, 10.0)


def test_rows_skip_blank_lines_and_carry_file_line_numbers(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "rows.csv", [" A ,B", "1,2", "", " , ", "3,4"])
    file = read_csv(path)
    assert file.names == ["a", "b"] and file.position_of("B ") == 1
    assert list(file.rows) == [(2, ["1", "2"]), (5, ["3", "4"])]


@pytest.mark.parametrize(
    ("lines", "delimiter"),
    [
        (["a,b;c", "1,2;3"], ","),
        (['"a";"b";"c"', '"1";"2";3'], ";"),
        (['"a,x";b;c', "1;2;3"], ";"),  # the comma inside quotes does not count
        (["a\tb\tc", "1\t2\t3"], "\t"),
        (["single", "1"], ","),
    ],
)
def test_delimiter_is_sniffed_from_the_header(
    tmp_path: Path, lines: list[str], delimiter: str
) -> None:
    assert read_csv(write_csv(tmp_path / "f.csv", lines)).delimiter == delimiter


def test_semicolons_and_quoted_numbers_read_as_numbers(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "uci.csv", ['school;"G1";G2', '"GP";"5";6', '"MS"; "12" ;7'])
    file = read_csv(path)
    assert file.header == ["school", "G1", "G2"]
    rows = [cells for _, cells in file.rows]
    assert rows[0] == ["GP", "5", "6"]
    assert parse_grade(path, 2, "G1", rows[0][1], (0, 20)) == 5.0
    assert parse_grade(path, 3, "G1", rows[1][1], (0, 20)) == 12.0  # ' "12" ' too


def test_a_given_delimiter_wins_over_sniffing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", ["a;b,c", "1;2,3"])
    assert [cells for _, cells in read_csv(path, delimiter=";").rows] == [["1", "2,3"]]


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff1st,2nd\n7,8\n".encode())
    assert read_csv(path).header == ["1st", "2nd"]


def test_ragged_row_names_its_line_and_the_delimiter(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ragged.csv", [HEADER, "7.0,7.1,115"])
    with pytest.raises(DataError, match=r"ragged\.csv, line 2: row has 3 fields, the header has"):
        list(read_csv(path).rows)
    with pytest.raises(DataError, match="--delimiter"):
        list(read_csv(path).rows)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.csv: file is empty"):
        read_csv(path)


def test_wrong_encoding_names_the_line_and_the_option(tmp_path: Path) -> None:
    lines = [HEADER, "7.0,7.1,7.2,7.3,7.4,115,M,1,,16", "7.0,7.1,7.2,7.3,7.4,115,Féminin,2,,16"]
    path = write_csv(tmp_path / "latin1.csv", lines, encoding="latin-1")
    with pytest.raises(DataError, match=r"latin1\.csv, line 3: file is not utf-8 text") as raised:
        read_csv(path)
    assert "--encoding" in str(raised.value)
    # With the right encoding it reads.
    file = read_csv(path, encoding="latin-1")
    assert [cells[6] for _, cells in file.rows] == ["M", "Féminin"]


def test_unknown_encoding_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", ["a,b", "1,2"])
    with pytest.raises(DataError, match="unknown --encoding 'klingon'"):
        read_csv(path, encoding="klingon")


def test_unknown_column_names_the_option_and_the_header(tmp_path: Path) -> None:
    file = read_csv(write_csv(tmp_path / "cols.csv", ["G1,G2", "1,2"]))
    with pytest.raises(DataError, match=r"cols\.csv, line 1, column 'G3': no such column") as e:
        file.require("G3", "--grade-columns")
    assert "--grade-columns" in str(e.value) and "'G1', 'G2'" in str(e.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read file"):
        read_csv(tmp_path / "absent.csv")


@pytest.mark.parametrize("text", ["", "  ", "NA", "n/a", "NaN", "none", "NULL", "-"])
def test_missing_markers_are_no_grade(text: str) -> None:
    assert parse_grade(Path("f.csv"), 2, "1st", text, TEN) is None


@pytest.mark.parametrize(
    ("text", "scale", "problem"),
    [
        ("seven", TEN, "is not a number"),
        ("11.5", TEN, "grade 11.5 is outside [0, 10]"),
        ("-1", TEN, "outside"),
        ("inf", TEN, "is not a number"),
        ("1_0", TEN, "is not a number"),  # Python's float() would read 10
        ("0x1", TEN, "is not a number"),
        ("4.01", (0.0, 4.0), "outside [0, 4]"),
        ("21", (0.0, 20.0), "outside [0, 20]"),
    ],
)
def test_bad_grades_name_line_and_column(
    text: str, scale: tuple[float, float], problem: str
) -> None:
    with pytest.raises(DataError, match=r"f\.csv, line 2, column '1st': grade") as raised:
        parse_grade(Path("f.csv"), 2, "1st", text, scale)
    assert problem in str(raised.value)


@pytest.mark.parametrize(("text", "grade"), [(" 7.5 ", 7.5), ("+8", 8.0), (".5", 0.5), ("8.", 8.0)])
def test_decimals_as_people_write_them_are_grades(text: str, grade: float) -> None:
    assert parse_grade(Path("f.csv"), 2, "1st", text, TEN) == grade


def test_the_scale_decides_what_is_in_range() -> None:
    assert parse_grade(Path("f.csv"), 2, "G3", "20", (0.0, 20.0)) == 20.0
    assert parse_grade(Path("f.csv"), 2, "gpa", "3.75", (0.0, 4.0)) == 3.75
    assert parse_grade(Path("f.csv"), 2, "pct", "87.5", (0.0, 100.0)) == 87.5


def test_codes_written_as_floats_and_genders() -> None:
    assert [parse_code(text) for text in ["17020.0", "115", "1.5", "x", "nan"]] == [
        17020,
        115,
        None,
        None,
        None,
    ]
    assert [parse_gender(text) for text in ["Male", " m ", "FEMALE", "f", "", "x"]] == [
        "male",
        "male",
        "female",
        "female",
        "unknown",
        "unknown",
    ]
