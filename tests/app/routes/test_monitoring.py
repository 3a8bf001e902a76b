"""GET /monitoring, DELETE /students/{id} and the monitoring metrics, over HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.store.schema import erasures, forecasts
from app.store.store import Store
from harness.store_rows import forecast_row, insert_forecasts
from tests.app.conftest import store_settings
from tests.conftest import MODEL_PATH, TEST_API_KEY

Client = Callable[..., TestClient]
ADMIN_KEY = "admin-key-0123456789abcdef"
VERSION = "1.0.0+0ecf924b"  # the committed model's


def forecast_and_grade(client: TestClient, store: Store, count: int, error: float) -> None:
    rows = [
        forecast_row(store, f"s{n}", 5, 7.0, group="165", version=VERSION) for n in range(count)
    ]
    insert_forecasts(store, rows)
    items = [{"student_id": f"s{n}", "semester": 5, "grade": 7.0 + error} for n in range(count)]
    assert client.post("/outcomes", json={"outcomes": items}).status_code == 200


def test_monitoring_reports_overall_versions_groups_and_the_cards_promise(
    client_on: Client, store: Store
) -> None:
    client = client_on(store)
    forecast_and_grade(client, store, 3, 0.5)

    reply = client.get("/monitoring")

    assert reply.status_code == 200
    body = reply.json()
    assert set(body) >= {"overall", "by_model_version", "by_group", "alerts"}
    overall = body["overall"]
    assert (overall["forecasts"], overall["outcomes"]) == (3, 3)
    assert overall["mse"] == pytest.approx(0.25) and overall["coverage"] == 1.0
    assert overall["brier"] is None
    assert overall["expected"]["level"] == 0.9
    assert 0.2 < overall["expected"]["mse"] < 0.3  # the card's pooled out-of-fold MSE
    assert [row["model_version"] for row in body["by_model_version"]] == [VERSION]
    assert [row["group"] for row in body["by_group"]] == ["165"]
    assert body["alerts"] == [] and len(body["recent"]) == 3


def test_a_model_far_off_raises_alerts_in_plain_words(client_on: Client, store: Store) -> None:
    client = client_on(store)
    forecast_and_grade(client, store, 40, 1.5)

    alerts = client.get("/monitoring").json()["alerts"]

    messages = [alert["message"] for alert in alerts]
    assert any(
        message.startswith("Overall: the interval held for 0% of 40") for message in messages
    )
    assert any("t-test on the squared errors" in message for message in messages)


def test_monitoring_needs_the_api_key_and_a_store(client_on: Client, store: Store) -> None:
    guarded = client_on(store, api_key=TEST_API_KEY)
    off = client_on(None)

    assert guarded.get("/monitoring").status_code == 401
    assert guarded.get("/monitoring", headers={"X-API-Key": TEST_API_KEY}).status_code == 200
    assert off.get("/monitoring").status_code == 503


def test_metrics_show_the_figures_per_model_version(client_on: Client, store: Store) -> None:
    client = client_on(store)
    forecast_and_grade(client, store, 3, 0.5)

    text = client.get("/metrics").text

    assert f'cgpa_monitoring_mse{{model_version="{VERSION}"}} 0.25' in text
    assert f'cgpa_monitoring_coverage{{model_version="{VERSION}"}} 1.0' in text
    assert "cgpa_outcomes_received_total 3.0" in text
    assert "student" not in text.replace("Students", "")


def test_erasing_a_student_answers_the_counts_and_audits_without_the_id(
    client_on: Client, store: Store
) -> None:
    client = client_on(store, admin_key=ADMIN_KEY)
    forecast_and_grade(client, store, 2, 0.1)
    admin = {"X-Admin-Key": ADMIN_KEY}

    assert client.delete("/students/s0").status_code == 401
    reply = client.delete("/students/s0", headers=admin)

    assert reply.status_code == 200
    assert reply.json() == {"forecasts": 1, "outcomes": 1}
    assert client.delete("/students/s0", headers=admin).json() == {"forecasts": 0, "outcomes": 0}
    assert client.delete("/students/a%2Fb", headers=admin).status_code == 200
    bad = client.delete("/students/a%07b", headers=admin)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "student_id"
    with store.engine.connect() as connection:
        audits = connection.execute(sa.select(erasures)).mappings().all()
    assert [(a["forecasts"], a["outcomes"]) for a in audits] == [(1, 1), (0, 0), (0, 0)]


def test_without_an_admin_key_there_is_no_erasure_route(client_on: Client, store: Store) -> None:
    client = client_on(store)

    assert client.delete("/students/s0").status_code == 404


def test_retention_purges_old_rows_at_startup(store: Store) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    insert_forecasts(
        store,
        [forecast_row(store, "old", 5, 7.0, created_at=old), forecast_row(store, "new", 5, 7.0)],
    )
    settings = Settings(
        _env_file=None,
        model_path=MODEL_PATH,
        retention_days=30,
        **store_settings(store),
    )
    app = create_app(settings)

    with TestClient(app):
        for _ in range(100):
            with store.engine.connect() as connection:
                left = connection.execute(sa.select(forecasts.c.student_key)).scalars().all()
            if len(left) == 1:
                break
            time.sleep(0.05)

    assert left == [store.student_key("new")]


def test_an_id_with_a_line_break_is_a_422_naming_it(client_on: Client, store: Store) -> None:
    client = client_on(store, admin_key=ADMIN_KEY)

    reply = client.delete("/students/%0AK", headers={"X-Admin-Key": ADMIN_KEY})

    assert reply.status_code == 422
    assert (
        reply.json()["message"]
        == "student_id: must be printable: no control characters (tab, newline, NUL...), "
        "no lone surrogates"
    )
