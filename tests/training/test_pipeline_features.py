"""evaluate with feature and audit columns (#28, step 1), start to finish on a small file:
the feature baselines beside the grades-only rows on the same folds, and the project model
by the audit column; a column the file lacks is one line naming the ones it has."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.training.synthetic import FAST, write_csv
from training.__main__ import main
from training.data.synthetic import programme_slope_lines
from training.evaluation.feature_summary import SERVED_MODEL_NOTE

COLUMNS = ["--no-group", "--feature-columns", "programme,credits", "--audit-columns", "sex"]


def test_evaluate_reports_the_feature_baselines_and_the_audit_table(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    data = write_csv(tmp_path / "slope.csv", programme_slope_lines(60, seed=3))
    report_dir = tmp_path / "report"
    arguments = ["evaluate", "--data", str(data), "--report", str(report_dir), *COLUMNS]
    assert main([*arguments, "--folds", "2", "--repeats", "1", *FAST]) == 0
    out = capsys.readouterr().out
    assert "features: programme categorical {evening, honours, standard}" in out
    assert "credits numeric 18..30, 0 missing" in out
    assert "audit columns: sex categorical {F, M}, 0 missing" in out

    section = json.loads((report_dir / "report.json").read_text())["features"]
    models = section["models"]
    for name in ["linear regression + group", "linear regression + group + features",
                 "gradient boosting + group + features", "random forest + group",
                 "random forest + group + features", "project RNN"]:  # fmt: skip
        assert models[name]["n"] == 60
        assert math.isfinite(models[name]["mse"]) and models[name]["standard_error"] > 0
    assert set(section["gains"]) == {
        "linear regression + group + features",
        "gradient boosting + group + features",
        "random forest + group + features",
    }
    audit = section["audit"]["sex"]
    assert set(audit) == {"female", "male"}  # `sex` is the file's gender column, read as one
    assert sum(row["n"] for row in audit.values()) == 60
    for row in audit.values():
        assert 0 <= row["coverage"] <= 1 and row["coverage_standard_error"] > 0
        assert row["mse"] > 0 and row["mse_standard_error"] > 0
    # The fairness table reports by the audit column too, with the same groups.
    fairness = json.loads((report_dir / "report.json").read_text())["fairness"]["groupings"]
    assert set(fairness["sex"]["groups"]) == {"female", "male"}

    text = (report_dir / "report.md").read_text()
    assert SERVED_MODEL_NOTE in text
    assert "Project model by audit column `sex` (never an input)" in text
    assert "| linear regression + Group + features |" in text


def test_an_unknown_feature_column_lists_the_header(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    data = write_csv(tmp_path / "slope.csv", programme_slope_lines(20))
    report = tmp_path / "report"
    flags = ["--no-group", "--feature-columns", "programme,absences"]
    assert main(["evaluate", "--data", str(data), "--report", str(report), *flags]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0
    assert "column 'absences': no such column (from --feature-columns)" in error
    assert "'programme', 'credits', 'sex'" in error
    assert not report.exists()
