"""Fixtures of the app tests: a store on a migrated SQLite file and on a PostgreSQL database of its
own (every store test runs on both), and apps whose startup opens that store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.store.schema import metadata
from app.store.store import Store
from harness.store_rows import TEST_KEY, postgres_store, sqlite_store


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


def store_settings(store: Store | None) -> dict[str, str]:
    """The settings that make an app's startup open `store`'s database under its key, so the
    rows a test writes and the ones the app writes share student keys; None: recording off."""
    if store is None:
        return {"database_url": "none"}
    url = store.engine.url.render_as_string(hide_password=False)
    return {"database_url": url, "id_key": TEST_KEY.decode()}


@pytest.fixture
def client_on(make_client: Callable[..., TestClient]) -> Callable[..., TestClient]:
    """Builds a TestClient whose lifespan opens the given store (None: recording off)."""

    def build(store: Store | None, **settings: object) -> TestClient:
        return make_client(**store_settings(store), **settings)

    return build
