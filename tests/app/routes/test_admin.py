"""POST /admin/reload and /admin/rollback in one process: what swaps, what is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api.security import MISSING_ADMIN_KEY, WRONG_ADMIN_KEY
from harness.checkpoints import copy_checkpoint, damage_checkpoint, derived_checkpoint
from tests.conftest import MODEL_PATH

ADMIN_KEY = "admin-key-0123456789abcdef"
ADMIN = {"X-Admin-Key": ADMIN_KEY}
STUDENT = {"grades": [7.1, 7.4, 7.9], "college_code": 165}


@pytest.fixture
def admin_client(make_client: Callable[..., TestClient], model_copy: Path) -> TestClient:
    return make_client(model_path=model_copy, admin_key=ADMIN_KEY)


def version_of(client: TestClient) -> str:
    return client.post("/predict", json=STUDENT).json()["model_version"]


def test_without_an_admin_key_the_admin_routes_do_not_exist(client: TestClient) -> None:
    assert client.post("/admin/reload").status_code == 404
    assert "/admin/reload" not in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    ("headers", "message"),
    [({}, MISSING_ADMIN_KEY), ({"X-Admin-Key": "x" * 26}, WRONG_ADMIN_KEY)],
)
def test_the_admin_key_is_required(admin_client: TestClient, headers: dict, message: str) -> None:
    for path in ("/admin/reload", "/admin/rollback"):
        response = admin_client.post(path, headers=headers)
        assert response.status_code == 401
        assert response.json()["message"] == message


def test_the_api_key_does_not_open_the_admin_routes(make_client, model_copy: Path) -> None:
    client = make_client(model_path=model_copy, admin_key=ADMIN_KEY, api_key="k" * 20)
    response = client.post("/admin/reload", headers={"X-API-Key": "k" * 20})
    assert response.status_code == 401


def test_reloading_the_same_files_changes_nothing(admin_client: TestClient) -> None:
    before = version_of(admin_client)
    response = admin_client.post("/admin/reload", headers=ADMIN)
    assert response.status_code == 200
    assert response.json()["outcome"] == "unchanged"
    assert version_of(admin_client) == before


def test_a_new_checkpoint_is_swapped_in_and_rolled_back(
    admin_client: TestClient, model_copy: Path
) -> None:
    old = version_of(admin_client)
    new = derived_checkpoint(MODEL_PATH, model_copy, nudge=0.05)
    assert new != old

    reloaded = admin_client.post("/admin/reload", headers=ADMIN)
    assert reloaded.status_code == 200, reloaded.text
    assert reloaded.json()["outcome"] == "loaded"
    assert reloaded.json()["serving"]["model_version"] == new
    assert reloaded.json()["previous"]["model_version"] == old
    assert version_of(admin_client) == new
    serving = admin_client.get("/model").json()["serving"]
    assert (serving["active"]["model_version"], serving["previous"]["model_version"]) == (new, old)
    # The protocol's versioned routes answer for both loaded versions.
    metadata = admin_client.get("/v2/models/cgpa_rnn").json()
    assert metadata["versions"] == [new, old]
    for version in (new, old):
        infer = admin_client.post(
            f"/v2/models/cgpa_rnn/versions/{version}/infer",
            json={
                "inputs": [{"name": "grades", "shape": [1, 2], "datatype": "FP32", "data": [7, 8]}]
            },
        )
        assert infer.status_code == 200
        assert infer.json()["model_version"] == version

    rolled = admin_client.post("/admin/rollback", headers=ADMIN)
    assert rolled.status_code == 200
    assert rolled.json()["outcome"] == "rolled_back"
    assert version_of(admin_client) == old
    metrics = admin_client.get("/metrics").text
    assert 'cgpa_model_reloads_total{outcome="loaded"} 1.0' in metrics
    assert 'cgpa_model_reloads_total{outcome="rolled_back"} 1.0' in metrics


def test_a_damaged_checkpoint_is_refused_and_the_old_model_keeps_serving(
    admin_client: TestClient, model_copy: Path
) -> None:
    old = version_of(admin_client)
    damage_checkpoint(model_copy)
    response = admin_client.post("/admin/reload", headers=ADMIN)
    assert response.status_code == 409
    assert str(model_copy) in response.json()["message"]
    assert "sha256" in response.json()["message"]
    assert version_of(admin_client) == old
    assert admin_client.get("/health/ready").status_code == 200
    assert 'cgpa_model_reloads_total{outcome="refused"} 1.0' in admin_client.get("/metrics").text
    copy_checkpoint(MODEL_PATH, model_copy)
    assert admin_client.post("/admin/reload", headers=ADMIN).json()["outcome"] == "unchanged"


def test_a_rollback_with_nothing_before_is_refused(admin_client: TestClient) -> None:
    response = admin_client.post("/admin/rollback", headers=ADMIN)
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert response.json()["message"] == "no previous model to roll back to"


def test_a_model_with_other_request_limits_is_refused(
    admin_client: TestClient, model_copy: Path
) -> None:
    from app.model.card import ModelCard

    card_path = model_copy.with_suffix(".json")
    card = ModelCard.read(card_path)
    wider = card.grade_scale.model_copy(update={"high": card.grade_scale.high * 2})
    card.model_copy(update={"grade_scale": wider}).write(card_path)
    response = admin_client.post("/admin/reload", headers=ADMIN)
    assert response.status_code == 409
    assert "restart the service to serve it" in response.json()["message"]
