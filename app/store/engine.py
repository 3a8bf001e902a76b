"""The engine, created once from `CGPA_DATABASE_URL`.

- unset: a SQLite file, `data/cgpa.sqlite3` under the working directory, its folder created on
  first use, in WAL mode (readers never wait for the writer, and a commit survives a killed
  process);
- `none`: no store; recording is off;
- `postgresql://user:password@host:port/db` (or `postgres://`): accepted as written; the
  service picks its driver (psycopg 3).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

DEFAULT_SQLITE_PATH = Path("data") / "cgpa.sqlite3"
OFF = "none"
# Seconds a SQLite writer waits for another's lock before giving up (then: 503, store busy).
SQLITE_BUSY_SECONDS = 5
# SQLite: log frames (pages) past which the log is emptied. A checkpoint that waits for
# nobody (PASSIVE) copies the log into the file but, racing the commits of steady recording,
# never finishes before the next one, so the log is never started afresh and grows without
# end (every read then searching a longer log index). Emptying holds the commits back for a
# copy and file syncs, so it is kept rare: about 400 MB at 4 KiB pages, tens of seconds of
# the heaviest recording (docs/performance.md, Recording).
SQLITE_LOG_FRAMES_BEFORE_RESET = 100_000
# SQLite's page cache per connection, in KiB (its default is 2 MiB): every recorded forecast
# writes into the student-key index at a place set by an HMAC, i.e. anywhere, and a cache
# that holds more of that index reads fewer of its pages back from the file. Taken as used.
SQLITE_CACHE_KIB = 16 * 1024


class StoreConfigError(ValueError):
    """A CGPA_DATABASE_URL the service cannot use; stops startup with this message."""


def database_url(setting: str | None) -> sa.URL | None:
    """The URL to connect to, from the setting as a user writes it; None when recording is off."""
    if setting is not None and setting.strip().lower() == OFF:
        return None
    if setting is None or not setting.strip():
        return sa.URL.create("sqlite", database=str(DEFAULT_SQLITE_PATH.resolve()))
    try:
        url = sa.make_url(setting.strip())
    except sa.exc.ArgumentError as error:
        raise StoreConfigError(f"CGPA_DATABASE_URL is not a database URL: {error}") from None
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg")
    if url.drivername == "sqlite" and url.database not in (None, "", ":memory:"):
        return url
    raise StoreConfigError(
        "CGPA_DATABASE_URL must be a postgresql:// URL, a sqlite:///path URL, or none "
        f"(got the {url.drivername} driver)"
    )


def create_engine(url: sa.URL) -> sa.Engine:
    if url.get_backend_name() == "sqlite":
        Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False}
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def _sqlite_pragmas(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]  # a DB-API connection
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL loses no committed transaction when the process dies (only on power
    # loss), and saves an fsync per commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    # No checkpoint inside a commit: SQLite's automatic one runs in the commit that crosses
    # the threshold, syncing the file while a request waits on it. The service checkpoints
    # from its background watch instead (`checkpoint` below, from app/store/startup.py).
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def checkpoint(engine: sa.Engine) -> int:
    """Copies the SQLite write-ahead log into the database file without waiting for anyone
    (PASSIVE): what SQLite would do inside a commit, done off the request path. Returns the
    frames the log holds."""
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()[1])


def empty_log(engine: sa.Engine) -> None:
    """Copies what is left of the SQLite log and empties it (TRUNCATE), waiting (busy
    timeout) for other writers and readers; the next commit starts the log afresh."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
