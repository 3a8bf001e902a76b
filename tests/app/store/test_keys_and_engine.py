"""The student key and the engine's URL: what the database holds instead of an id, and which
settings the service accepts."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.store.engine import DEFAULT_SQLITE_PATH, StoreConfigError, create_engine, database_url
from app.store.keys import key_file_for, sqlite_key, student_key, student_keyer


def test_the_student_key_is_a_keyed_hash_never_the_id() -> None:
    key = b"k" * 32
    stored = student_key("S-0042", key)
    assert stored == student_key("S-0042", key)
    assert len(stored) == 64 and "0042" not in stored
    assert stored != student_key("S-0042", b"j" * 32)
    assert stored != student_key("S-0043", key)


def test_a_sqlite_key_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    database = tmp_path / "data" / "cgpa.sqlite3"
    key, made = sqlite_key(database)
    assert made and len(key) == 32
    assert stat.S_IMODE(key_file_for(database).stat().st_mode) == 0o600
    assert sqlite_key(database) == (key, False)


def _key_of(database: str) -> bytes:
    return sqlite_key(Path(database))[0]


def test_workers_starting_at_once_end_with_one_key(tmp_path: Path) -> None:
    database = str(tmp_path / "cgpa.sqlite3")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        keys = pool.map(_key_of, [database] * 8)
    assert len(set(keys)) == 1
    assert list(tmp_path.iterdir()) == [key_file_for(Path(database))]  # no drafts left


@pytest.mark.parametrize("setting", ["none", "NONE", " none "])
def test_none_turns_recording_off(setting: str) -> None:
    assert database_url(setting) is None


@pytest.mark.parametrize("setting", [None, "", "  "])
def test_unset_is_a_sqlite_file_under_the_working_directory(setting: str | None) -> None:
    url = database_url(setting)
    assert url is not None and url.get_backend_name() == "sqlite"
    assert url.database == str(DEFAULT_SQLITE_PATH.resolve())


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_a_postgresql_url_is_taken_as_written_with_the_services_driver(scheme: str) -> None:
    url = database_url(f"{scheme}://user:secret@db.example:5433/cgpa")
    assert url is not None
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "user", "secret", "db.example", 5433, "cgpa",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("setting", "reason"),
    [
        ("mysql://u@h/db", "the mysql driver"),
        ("sqlite://", "the sqlite driver"),
        ("sqlite:///:memory:", "the sqlite driver"),
        ("not a url", "not a database URL"),
    ],
)
def test_other_urls_are_refused_saying_what_is_accepted(setting: str, reason: str) -> None:
    with pytest.raises(StoreConfigError, match=reason):
        database_url(setting)


def test_a_sqlite_engine_creates_its_folder_and_uses_wal(tmp_path: Path) -> None:
    url = database_url(f"sqlite:///{tmp_path / 'new' / 'folder' / 'cgpa.sqlite3'}")
    assert url is not None
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


@pytest.mark.parametrize("key", [b"k" * 32, b"", b"short", bytes(range(64)), b"x" * 100])
def test_the_prepared_student_key_is_the_hmac_of_the_id(key: bytes) -> None:
    keyed = student_keyer(key)
    for student_id in ("S-1", "", "étudiant-ü-42", "x" * 500):
        assert keyed(student_id) == student_key(student_id, key)
