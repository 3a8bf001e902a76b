"""What every layout shares: opening a CSV and parsing a cell, each failure named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.training.synthetic import HEADER, write_csv
from training.data import DataError
from training.data.reading import parse_code, parse_gender, parse_grade, read_csv


def test_rows_skip_blank_lines_and_carry_file_line_numbers(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "rows.csv", [" A ,B", "1,2", "", " , ", "3,4"])
    file = read_csv(path)
    assert file.names == ["a", "b"] and file.position_of("b") == 1
    assert list(file.rows) == [(2, ["1", "2"]), (5, ["3", "4"])]


def test_ragged_row_names_its_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ragged.csv", [HEADER, "7.0,7.1,115"])
    with pytest.raises(DataError, match=r"ragged\.csv, line 2: row has 3 fields, the header has"):
        list(read_csv(path).rows)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.csv: file is empty"):
        read_csv(path)


def test_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "latin1.csv",
        [HEADER, "7.0,7.1,7.2,7.3,7.4,115,M,1,,16", "7.0,7.1,7.2,7.3,7.4,115,Féminin,2,,16"],
        encoding="latin-1",
    )
    with pytest.raises(DataError, match=r"latin1\.csv, line 3: file is not UTF-8"):
        read_csv(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read file"):
        read_csv(tmp_path / "absent.csv")


@pytest.mark.parametrize("text", ["", "  ", "NA", "n/a", "NaN", "none", "NULL", "-"])
def test_missing_markers_are_no_grade(text: str) -> None:
    assert parse_grade(Path("f.csv"), 2, "1st", text) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("seven", "is not a number"),
        ("11.5", "outside [0, 10]"),
        ("-1", "outside"),
        ("inf", "outside"),
    ],
)
def test_bad_grades_name_line_and_column(text: str, problem: str) -> None:
    with pytest.raises(DataError, match=r"f\.csv, line 2, column '1st': grade") as raised:
        parse_grade(Path("f.csv"), 2, "1st", text)
    assert problem in str(raised.value)


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
