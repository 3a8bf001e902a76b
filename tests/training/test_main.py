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
