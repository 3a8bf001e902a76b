"""Health, model card, metrics and the docs page."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re

from fastapi.testclient import TestClient

from app.model.card import ModelCard
from app.observability.access_log import ATOMIC_WRITE_BYTES
from tests.conftest import MODEL_PATH


def test_live(client: TestClient) -> None:
    assert client.get("/health/live").json() == {"status": "alive"}


def test_ready_after_startup_names_the_model(client: TestClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200
    card = ModelCard.read(MODEL_PATH.with_suffix(".json"))
    assert response.json() == {
        "status": "ready",
        "model_version": card.model_version,
        "store": {"state": "ok", "database": "sqlite"},
    }


def test_ready_is_503_when_no_model_is_loaded(make_client) -> None:
    client = make_client()
    client.app.state.service.models.active = None
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["message"] == "the model is not loaded"
    assert client.post("/predict", json={"grades": [7.0]}).status_code == 503


def test_model_route_returns_the_card(client: TestClient) -> None:
    card = json.loads(MODEL_PATH.with_suffix(".json").read_text())
    body = client.get("/model").json()
    for key in ("model_version", "metrics", "min_history", "max_history", "group",
                "interval", "checkpoint_sha256", "data_sha256"):  # fmt: skip
        assert body[key] == ModelCard.model_validate(card).public_json()[key]
    # As written: a format 2 card shows no format 3 fields, a format 3 one its own cells.
    assert set(body["interval"]) == set(card["interval"])


def test_metrics_count_requests_by_route_and_status(client: TestClient) -> None:
    client.post("/predict", json={"grades": [7.0]})
    client.post("/predict", json={"grades": [70.0]})
    client.get("/nowhere/secret-path")
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'cgpa_http_requests_total{method="POST",route="/predict",status="200"} 1.0' in text
    assert 'cgpa_http_requests_total{method="POST",route="/predict",status="422"} 1.0' in text
    # Unknown paths share one label, so scanners cannot blow up the metric's cardinality.
    assert 'route="unmatched",status="404"' in text
    assert "secret-path" not in text
    assert "cgpa_http_request_duration_seconds_bucket" in text
    assert 'cgpa_model_info{checkpoint_sha256="' in text


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    echoed = client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = client.get("/health/live", headers={"X-Request-ID": "bad id\twith tabs"})
    assert len(generated.headers["x-request-id"]) == 32


def test_access_log_has_route_status_latency_and_no_grades(client: TestClient) -> None:
    written = io.BytesIO()
    client.app.state.service.access_log.stream = written
    # Eight decimals: no latency (3 decimals) in the line can spell them by chance.
    grades = {"grades": [7.12345678, 8.45678912]}
    client.post("/predict", json=grades, headers={"X-Request-ID": "r-1"})
    client.app.state.service.access_log.flush()  # lines go out at the end of a loop turn
    (line,) = written.getvalue().splitlines()
    entry = json.loads(line)
    assert (entry["logger"], entry["level"], entry["event"]) == ("cgpa.access", "info", "request")
    assert (entry["method"], entry["route"], entry["path"]) == ("POST", "/predict", "/predict")
    assert (entry["status"], entry["request_id"]) == (200, "r-1")
    assert entry["latency_ms"] > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    assert b"7.12345678" not in line and b"8.45678912" not in line


def test_access_log_follows_the_log_level(client: TestClient) -> None:
    written = io.BytesIO()
    client.app.state.service.access_log.stream = written
    access_logger = logging.getLogger("cgpa.access")
    access_logger.setLevel(logging.WARNING)
    try:
        client.get("/health/live")
    finally:
        access_logger.setLevel(logging.NOTSET)
    client.get("/health/live")
    client.app.state.service.access_log.flush()
    assert len(written.getvalue().splitlines()) == 1


def test_many_lines_are_written_in_whole_line_chunks_a_pipe_writes_atomically(
    client: TestClient,
) -> None:
    writes: list[bytes] = []

    class RecordingStream(io.BytesIO):
        def write(self, data: bytes) -> int:  # type: ignore[override]
            writes.append(bytes(data))
            return len(data)

    access_log = client.app.state.service.access_log
    access_log.stream = RecordingStream()

    async def a_busy_loop_turn() -> None:
        for number in range(100):
            access_log.write(
                method="POST",
                route="/predict",
                path="/predict",
                status=200,
                seconds=0.001,
                request_id=f"r-{number}",
            )

    asyncio.run(a_busy_loop_turn())  # the loop's last turn flushes
    assert len(writes) > 1
    assert all(len(data) <= ATOMIC_WRITE_BYTES and data.endswith(b"\n") for data in writes)
    lines = b"".join(writes).splitlines()
    assert [json.loads(line)["request_id"] for line in lines] == [f"r-{n}" for n in range(100)]


def test_a_broken_stderr_does_not_fail_the_request(client: TestClient) -> None:
    closed = io.BytesIO()
    closed.close()
    client.app.state.service.access_log.stream = closed
    assert client.get("/health/live").status_code == 200
    client.app.state.service.access_log.flush()


def test_openapi_documents_every_route_with_summary_and_errors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    predict = spec["paths"]["/predict"]["post"]
    assert predict["summary"]
    for status in ("401", "413", "415", "422", "503"):
        assert status in predict["responses"], status
    batch = spec["paths"]["/predict/batch"]["post"]
    assert {"401", "413", "415", "422", "503"} <= set(batch["responses"])
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            assert operation.get("summary"), path
    body = predict["requestBody"]["content"]["application/json"]["schema"]
    assert body["examples"]
    assert spec["components"]["schemas"]["Prediction"]["examples"]


def test_docs_pages_are_served_without_a_cdn(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "cdn" not in html.lower(), page
    docs = client.get("/docs").text
    assert "/static-offline-docs/swagger-ui-bundle.js" in docs
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
