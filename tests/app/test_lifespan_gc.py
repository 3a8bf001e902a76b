"""The lifespan's garbage-collector settings: in force while the service runs, undone after."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import YOUNG_COLLECTION_EVERY, create_app
from tests.conftest import MODEL_PATH


def test_young_collections_are_rarer_while_serving_and_restored_after() -> None:
    before = gc.get_threshold()
    app = create_app(Settings(_env_file=None, model_path=MODEL_PATH))
    with TestClient(app) as client:
        assert client.get("/health/ready").status_code == 200
        assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, *before[1:])
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
