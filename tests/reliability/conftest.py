"""Fixtures for the reliability tests: a second real server that requires an API key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.live_server import LiveServer
from tests.conftest import MODEL_PATH, TEST_API_KEY


@pytest.fixture(scope="session")
def locked_server() -> Iterator[LiveServer]:
    """A real uvicorn process serving the committed checkpoint behind CGPA_API_KEY."""
    environment = {"CGPA_MODEL_PATH": str(MODEL_PATH), "CGPA_API_KEY": TEST_API_KEY}
    with LiveServer.start(environment) as server:
        yield server
