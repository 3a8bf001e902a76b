"""Fixtures shared by every test folder: the committed checkpoint, apps built on it, and a
real uvicorn server."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from harness.live_server import LiveServer
from harness.postgres import scratch_database, unreachable_reason

ROOT = Path(__file__).resolve().parents[1]
MODEL_PATH = ROOT / "models" / "cgpa_rnn.pt"
DATA_PATH = ROOT.parent / "shared" / "data" / "student-semester-result.csv"
TEST_API_KEY = "test-key-0123456789abcdef"

# Every app and server a test starts records into a SQLite file of this session's own, not
# the default data/ folder of the working tree; tests of the store pass their own URL.
if "CGPA_DATABASE_URL" not in os.environ:
    SESSION_DATA = Path(tempfile.mkdtemp(prefix="cgpa-test-store-"))
    os.environ["CGPA_DATABASE_URL"] = f"sqlite:///{SESSION_DATA / 'cgpa.sqlite3'}"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots", action="store_true", help="also write page screenshots to reports/"
    )
    parser.addoption(
        "--long-fuzz", action="store_true", help="run schema fuzzing with many more examples"
    )


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    """The committed checkpoint and card copied to a folder a test may damage."""
    target = tmp_path / "model"
    target.mkdir()
    shutil.copy(MODEL_PATH, target / MODEL_PATH.name)
    shutil.copy(MODEL_PATH.with_suffix(".json"), target / MODEL_PATH.with_suffix(".json").name)
    return target / MODEL_PATH.name


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this session's own on the shared PostgreSQL server."""
    reason = unreachable_reason()
    if reason is not None:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    with scratch_database() as url:
        yield url


def _emptied(url: str) -> str:
    engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return url


# Real databases, never a mock: a SQLite file per test, and this session's database on the
# shared PostgreSQL server emptied for each test. Without a reachable PostgreSQL the
# PostgreSQL half is skipped with the reason in the summary (`-ra`); `make test` starts the
# shared server first (scripts/ensure-postgres.sh); CGPA_TEST_POSTGRES_URL names another.
@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, as CGPA_DATABASE_URL would name it: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'cgpa.sqlite3'}"
    return _emptied(request.getfixturevalue("postgres_url"))


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    """Builds a TestClient (startup and shutdown run) for an app with the given settings."""
    clients: list[TestClient] = []

    def build(route_shortcut: bool = True, **overrides: object) -> TestClient:
        settings = Settings(_env_file=None, **{"model_path": MODEL_PATH, **overrides})
        app = create_app(settings, route_shortcut=route_shortcut)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """One real uvicorn process on a free port, serving the committed checkpoint."""
    with LiveServer.start({"CGPA_MODEL_PATH": str(MODEL_PATH)}) as server:
        yield server
