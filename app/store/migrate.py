"""Brings the database to the schema this code knows, at startup, under a lock.

Several workers and replicas may start at once: the first to take the lock migrates, the
others find it done. PostgreSQL: a session advisory lock; SQLite: an exclusive lock on a file
beside the database. A database whose revision this code does not know (a newer release
migrated it) stops startup: running old code on a newer schema could lose data.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant both sides agree on: the advisory lock's key for "migrating cgpa-predictor".
ADVISORY_LOCK_KEY = 0x63677061


class NewerSchemaError(RuntimeError):
    """The database was migrated by a newer release than this one."""


def alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine) -> str:
    """Migrates to the newest revision this code has; returns it."""
    with _migration_lock(engine), engine.connect() as connection:
        config = alembic_config(connection)
        script = ScriptDirectory.from_config(config)
        current = MigrationContext.configure(connection).get_current_revision()
        # `get_revision` raises rather than answer None for an unknown revision.
        known = {revision.revision for revision in script.walk_revisions()}
        if current is not None and current not in known:
            raise NewerSchemaError(
                f"the database is at schema revision {current}, which this release does not "
                "know (a newer release migrated it); run that release or a newer one"
            )
        command.upgrade(config, "head")
        connection.commit()
        head = script.get_current_head()
        assert head is not None
        return head


@contextmanager
def _migration_lock(engine: sa.Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                connection.commit()
        return
    database = Path(engine.url.database or "")
    with open(database.with_name(database.name + ".migrate-lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
