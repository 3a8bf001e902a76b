"""Real databases for the store's tests: a SQLite file per test, and a PostgreSQL database of
this session's own on the shared server (dropped after), emptied between tests.

Where no PostgreSQL is reachable the PostgreSQL half is skipped with the reason in the
summary (`-ra`); `make test` starts the shared server first (scripts/ensure-postgres.sh), and
`CGPA_TEST_POSTGRES_URL` points at another one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.store.engine import create_engine, database_url
from harness.postgres import scratch_database, unreachable_reason

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


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, as CGPA_DATABASE_URL would name it: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'cgpa.sqlite3'}"
    return _emptied(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(store_url: str) -> Iterator[sa.Engine]:
    url = database_url(store_url)
    assert url is not None
    engine = create_engine(url)
    yield engine
    engine.dispose()
