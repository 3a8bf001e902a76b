"""The engine of `store_url` (tests/conftest.py: a SQLite file, then PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from app.store.engine import create_engine, database_url


@pytest.fixture
def engine(store_url: str) -> Iterator[sa.Engine]:
    url = database_url(store_url)
    assert url is not None
    engine = create_engine(url)
    yield engine
    engine.dispose()
