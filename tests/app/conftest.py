"""Fixtures of the app tests: a store on a migrated SQLite file and on a PostgreSQL database of its
own (every store test runs on both)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.store.schema import metadata
from app.store.store import Store
from harness.store_rows import postgres_store, sqlite_store


@pytest.fixture(scope="session")
def postgres_session_store() -> Iterator[Store]:
    try:
        with postgres_store() as store:
            yield store
    except sa.exc.OperationalError as error:
        pytest.skip(f"no PostgreSQL server for the store tests: {error}")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        sqlite = sqlite_store(tmp_path)
        yield sqlite
        sqlite.engine.dispose()
        return
    postgres: Store = request.getfixturevalue("postgres_session_store")
    yield postgres
    with postgres.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
