"""The student key: HMAC-SHA256 of a student id under the service's key, so the database
never holds a raw id, and the same id always finds the same rows.

The key is `CGPA_ID_KEY`. Unset with SQLite, one is made once, at random, in a file beside the
database (mode 0600) and read from there after; with PostgreSQL (shared by replicas, which must
agree on the key) an unset key stops startup.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_BYTES = 32


def student_key(student_id: str, key: bytes) -> str:
    # hmac.digest: the one-shot C path, several times faster than hmac.new per id.
    return hmac.digest(key, student_id.encode("utf-8"), hashlib.sha256).hex()


def key_file_for(database: Path) -> Path:
    return database.with_name(database.name + ".id-key")


def sqlite_key(database: Path) -> tuple[bytes, bool]:
    """The key kept beside a SQLite database, made on first use; (key, made_now)."""
    path = key_file_for(database)
    try:
        return bytes.fromhex(path.read_text().strip()), False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    # Written whole to a file of its own, then linked into place: a link never replaces an
    # existing file, so two workers starting at once end with one key, never a partial file.
    draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key.hex())
        file.flush()
        os.fsync(file.fileno())
    try:
        os.link(draft, path)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip()), False
    finally:
        draft.unlink()
    return key, True
