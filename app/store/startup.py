"""The store at startup, and the watch that brings it back after an outage.

What stops startup (`StoreRefused`, one line): a CGPA_DATABASE_URL the service cannot use,
PostgreSQL without CGPA_ID_KEY (each replica would make its own key, and the same student
would get different keys), a key file that cannot be written, a database at a newer schema.
Each is a mistake that waiting will not fix.

What does not: a database that does not answer yet (PostgreSQL still starting, a network
blip). Plain forecasts need no store, so the service starts, the store is marked
unavailable, and `watch` retries (migrating on its first success) every second in the
background; the recorder marks the store unavailable after a failed commit and the same
watch brings it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from app.store.engine import (
    SQLITE_LOG_FRAMES_BEFORE_RESET,
    StoreConfigError,
    checkpoint,
    create_engine,
    database_url,
)
from app.store.keys import key_file_for, sqlite_key
from app.store.migrate import NewerSchemaError, upgrade
from app.store.recorder import STORE_ERRORS
from app.store.store import Store, failure_reason

logger = logging.getLogger("cgpa.store")
RETRY_SECONDS = 1.0


class StoreRefused(RuntimeError):
    """The store is configured in a way the service must not start with; `str()` says why."""


def open_store(url_setting: str | None, id_key: str | None) -> Store | None:
    """The store the settings describe (not connected yet), or None when recording is off."""
    try:
        url = database_url(url_setting)
    except StoreConfigError as error:
        raise StoreRefused(str(error)) from None
    if url is None:
        logger.info("recording is off (CGPA_DATABASE_URL=none)")
        return None
    if id_key:
        key = id_key.encode("utf-8")
    elif url.get_backend_name() == "sqlite":
        key = _sqlite_key(Path(url.database or ""))
    else:
        raise StoreRefused(
            "CGPA_ID_KEY is required with PostgreSQL: replicas sharing one database must hash "
            "student ids under the same key (set a secret of 16 or more characters)"
        )
    return Store(create_engine(url), key)


def _sqlite_key(database: Path) -> bytes:
    try:
        key, made_now = sqlite_key(database)
    except (OSError, ValueError) as error:
        raise StoreRefused(
            f"CGPA_ID_KEY is unset and the key file {key_file_for(database)} cannot be made "
            f"or read ({error}); set CGPA_ID_KEY or make that folder writable"
        ) from None
    if made_now:
        logger.warning(
            "CGPA_ID_KEY is unset: made a random key in %s (mode 0600); keep it with the "
            "database, without it stored keys no longer match student ids",
            key_file_for(database),
        )
    return key


async def connect(store: Store) -> bool:
    """Migrates the database; True when it answered. A newer schema raises StoreRefused."""
    try:
        revision = await asyncio.to_thread(upgrade, store.engine)
    except NewerSchemaError as error:
        raise StoreRefused(str(error)) from None
    except STORE_ERRORS as error:
        store.mark_unavailable(failure_reason(error))
        logger.warning(
            "store unavailable at startup, retrying in the background: %s", store.problem
        )
        return False
    store.mark_available()
    logger.info(
        "store ready",
        extra={"database": _safe_url(store.engine), "schema_revision": revision},
    )
    return True


async def watch(store: Store, migrated: bool, every: float = RETRY_SECONDS) -> None:
    """Runs for the service's life: while the store is unavailable, tries it every `every`
    seconds (migrating first if startup could not) and marks it available when it answers."""
    while True:
        await asyncio.sleep(every)
        if store.available:
            if store.engine.dialect.name == "sqlite":
                await _quietly(checkpoint_and_mark, store)
            continue
        try:
            if migrated:
                await asyncio.to_thread(_ping, store.engine)
            else:
                await asyncio.to_thread(upgrade, store.engine)
                migrated = True
        except NewerSchemaError as error:
            # Too late to stop the process: the store stays off, saying why.
            store.mark_unavailable(str(error))
            continue
        except STORE_ERRORS as error:
            store.mark_unavailable(failure_reason(error))
            continue
        store.mark_available()
        logger.info("store available again", extra={"database": _safe_url(store.engine)})


def checkpoint_and_mark(store: Store) -> None:
    """The SQLite checkpoint (app/store/engine.py); a long log is left for the recorder to
    empty: between its own commits nothing of this process holds the emptying up, and it
    holds up only the requests of one commit, not every commit's busy wait."""
    if checkpoint(store.engine) >= SQLITE_LOG_FRAMES_BEFORE_RESET:
        store.log_reset_due = True


async def _quietly(work: Callable[[Store], None], store: Store) -> None:
    # A failed checkpoint is retried next second; a real outage shows in the next commit.
    with contextlib.suppress(*STORE_ERRORS):
        await asyncio.to_thread(work, store)


def _ping(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def _safe_url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
