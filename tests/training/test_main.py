"""The command line: a bad file is one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.training.synthetic import HEADER, write_csv
from training.__main__ import main


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_cli_prints_one_line_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture, command: str
) -> None:
    path = write_csv(tmp_path / "bad.csv", [HEADER, "7.0,7.1,oops,7.3,7.4,115,M,1,,16"])
    out = tmp_path / "out"
    where = ["--out", str(out)] if command == "train" else ["--report", str(out)]
    code = main([command, "--data", str(path), *where])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.strip().count("\n") == 0
    assert "bad.csv, line 2, column '3rd'" in captured.err
    assert "Traceback" not in captured.err
    assert not out.exists()  # a failed run writes nothing


def test_unknown_flag_is_an_argparse_error(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["train", "--data", "x.csv", "--out", "m", "--no-such-flag", "1"])
    assert exited.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "problem"),
    [
        (["--scale", "10:0"], "must have LOW below HIGH"),
        (["--scale", "0-10"], "is not LOW:HIGH"),
        (["--delimiter", "|"], "is not one of"),
        (["--grade-columns", "G1"], "at least two columns"),
        (["--student-column", "id"], "needs all three of --student-column"),
        (["--group-column", "school", "--no-group"], "not allowed with argument"),
        (
            ["--student-column", "s", "--term-column", "t", "--grade-column", "g",
             "--grade-columns", "a,b"],
            "--grade-columns is for wide files",
        ),
    ],
)  # fmt: skip
def test_contradictory_data_options_are_usage_errors(
    capsys: pytest.CaptureFixture, flags: list[str], problem: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["train", "--data", "x.csv", "--out", "m", *flags])
    assert exited.value.code == 2
    assert problem in capsys.readouterr().err


def test_help_lists_the_data_options(capsys: pytest.CaptureFixture) -> None:
    for command in ("train", "evaluate"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        for flag in ["--scale LOW:HIGH", "--grade-columns", "--group-column NAME", "--no-group",
                     "--student-column", "--term-column", "--grade-column", "--delimiter",
                     "--encoding"]:  # fmt: skip
            assert flag in text, (command, flag)


def test_an_undecodable_file_names_the_encoding_option(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = write_csv(tmp_path / "latin.csv", [HEADER, "7,7,7,7,7,115,Féminin,1,,16"], "latin-1")
    assert main(["train", "--data", str(path), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "latin.csv, line 2: file is not utf-8 text" in error and "--encoding" in error


def test_train_refuses_feature_columns_in_one_line(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["train", "--data", "x.csv", "--out", "m", "--feature-columns", "absences"])
    assert exited.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "the served model does not use features yet" in error
    assert "evaluate --feature-columns" in error


@pytest.mark.parametrize(
    ("flags", "problem"),
    [
        (["train", "--out", "m", "--audit-columns", "sex"],
         "train's model card does not report by audit columns yet"),
        (["evaluate", "--feature-columns", ""],
         "--feature-columns '' must name one column or more"),
        (["evaluate", "--audit-columns", "sex,,age"],
         "--audit-columns 'sex,,age' must name one column or more"),
        (["evaluate", "--feature-columns", "sex", "--audit-columns", "Sex"],
         "'sex' is in both --feature-columns and --audit-columns"),
    ],
)  # fmt: skip
def test_student_column_options_are_usage_errors(
    capsys: pytest.CaptureFixture, flags: list[str], problem: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([flags[0], "--data", "x.csv", *flags[1:]])
    assert exited.value.code == 2
    assert problem in capsys.readouterr().err


def test_the_store_has_no_student_columns(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["evaluate", "--database", "sqlite:///x.db", "--feature-columns", "absences"])
    assert "need --data: the store records grades only" in capsys.readouterr().err
