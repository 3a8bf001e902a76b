"""The migrations, run from empty on SQLite and PostgreSQL: they build exactly schema.py,
run twice harmlessly, run from several processes at once, and refuse a newer schema."""

from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.store.engine import create_engine, database_url
from app.store.migrate import MIGRATIONS, NewerSchemaError, upgrade
from app.store.schema import metadata

# The newest revision in app/store/migrations/versions/: what a migration from empty ends at.
NEWEST = ScriptDirectory(str(MIGRATIONS)).get_current_head()


def schema_differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def test_migrating_from_empty_builds_exactly_the_schema_of_schema_py(engine: sa.Engine) -> None:
    assert upgrade(engine) == NEWEST
    assert schema_differences(engine) == []
    tables = set(sa.inspect(engine).get_table_names())
    assert {"forecasts", "outcomes", "erasures", "alembic_version"} <= tables


def test_migrating_twice_changes_nothing(engine: sa.Engine) -> None:
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO erasures (erased_at, forecasts, outcomes) "
                                   "VALUES (CURRENT_TIMESTAMP, 1, 2)"))  # fmt: skip
    assert upgrade(engine) == NEWEST
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM erasures")).scalar() == 1


def test_a_database_at_a_newer_schema_is_refused(engine: sa.Engine) -> None:
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(NewerSchemaError, match="revision 9999, which this release does not know"):
        upgrade(engine)


def _upgrade_in_a_process(url: str) -> str:
    engine = create_engine(database_url(url))  # type: ignore[arg-type]
    try:
        return upgrade(engine)
    finally:
        engine.dispose()


def test_workers_starting_at_once_migrate_once(store_url: str) -> None:
    # Four processes race for the lock; all must finish at the same head, none fail on a
    # table another created.
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        heads = pool.map(_upgrade_in_a_process, [store_url] * 4)
    assert heads == [NEWEST] * 4
    engine = create_engine(database_url(store_url))  # type: ignore[arg-type]
    assert schema_differences(engine) == []
    engine.dispose()
