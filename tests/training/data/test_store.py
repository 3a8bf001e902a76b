"""`python -m training train --database URL`: what the service recorded, read as a long export
(the latest forecast's grades, then the outcomes after it), and the card naming its source."""

from __future__ import annotations

import csv
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from app.model.card import ModelCard
from app.store.outcomes import RealGrade, record_outcomes
from app.store.store import Store
from harness.store_rows import forecast_row, insert_forecasts, sqlite_store
from tests.training.synthetic import FAST
from training.__main__ import main
from training.data.store import export_store

T0 = datetime(2026, 1, 10, tzinfo=UTC)


def record_term(store: Store, students: int) -> None:
    """Each student forecast twice for semester 5 (the later counts), then graded."""
    rng = np.random.default_rng(0)
    rows, grades = [], []
    for student in range(students):
        history = [
            round(float(g), 2) for g in np.clip(rng.normal(7, 0.8) + rng.normal(0, 0.3, 4), 0, 10)
        ]
        group = ("115", "116", "165")[student % 3]
        rows.append(
            forecast_row(
                store, f"s{student}", 4, 7.0, grades=history[:3], group=group, created_at=T0
            )
        )
        rows.append(
            forecast_row(
                store,
                f"s{student}",
                5,
                7.0,
                grades=history,
                group=group,
                created_at=T0 + timedelta(days=1),
            )
        )
        grades.append(
            RealGrade(f"s{student}", 5, round(history[-1] + float(rng.normal(0.1, 0.3)), 2))
        )
    insert_forecasts(store, rows)
    grades.append(RealGrade("only-an-outcome", 5, 6.0))
    record_outcomes(store, grades, now=T0 + timedelta(days=120))


def test_the_export_is_the_latest_forecasts_grades_then_the_outcomes(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    record_term(store, 3)

    path, source, has_groups = export_store(str(store.engine.url), tmp_path)

    with path.open() as file:
        rows = list(csv.DictReader(file))
    first = [row for row in rows if row["student"] == store.student_key("s0")]
    assert [row["term"] for row in first] == ["1", "2", "3", "4", "5"]
    assert {row["group"] for row in first} == {"115"} and has_groups
    assert "s0" not in path.read_text()  # keys only, never an id
    assert (source.forecasts_read, source.outcomes_read) == (6, 4)
    assert (source.students, source.without_forecast) == (3, 1)
    assert len(source.sha256) == 64


def test_train_from_the_store_records_the_source_in_the_card(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    record_term(store, 60)
    url = str(store.engine.url)
    out = tmp_path / "models"

    assert main(["train", "--database", url, "--out", str(out), *FAST]) == 0

    card = ModelCard.read(out / "cgpa_rnn.json")
    source = card.metrics["data_source"]
    assert (source["forecasts_read"], source["outcomes_read"], source["rows_read"]) == (
        120,
        61,
        181,
    )
    assert source["database"] == url and card.data_file == f"store {url}"
    assert card.data_sha256 == source["rows_sha256"]
    assert (card.max_history, card.term_count) == (4, 5)
    assert card.group.codes == [115, 116, 165]
    assert not list(out.glob("*.csv"))  # the export never stays beside the model


def test_the_same_store_hashes_the_same_and_a_change_changes_it(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    record_term(store, 3)
    url = str(store.engine.url)

    first = export_store(url, tmp_path)[1].sha256
    again = export_store(url, tmp_path)[1].sha256
    record_outcomes(store, [RealGrade("new", 5, 7.0)])

    assert first == again != export_store(url, tmp_path)[1].sha256
    assert hashlib.sha256(b"").hexdigest() != first


def test_an_unreadable_database_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    code = main(["train", "--database", f"sqlite:///{tmp_path}/none/x.db", "--out", str(tmp_path)])

    assert code == 2
    assert "cannot read the store" in capsys.readouterr().err


def test_evaluate_reads_the_store_like_train(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    record_term(store, 60)
    report = tmp_path / "report"
    arguments = ["evaluate", "--database", str(store.engine.url), "--report", str(report)]

    assert main([*arguments, "--folds", "2", "--repeats", "1", *FAST]) == 0

    assert (report / "report.json").exists()
