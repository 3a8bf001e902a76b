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
from collections.abc import Callable
from pathlib import Path

KEY_BYTES = 32
SHA256_BLOCK_BYTES = 64


def student_key(student_id: str, key: bytes) -> str:
    return hmac.digest(key, student_id.encode("utf-8"), hashlib.sha256).hex()


def student_keyer(key: bytes) -> Callable[[str], str]:
    """`student_key` under one key, for many ids: HMAC's two keyed hash states are made once
    and copied for each id, where `hmac.digest` makes them again on every call, most of its
    cost for a short id (RFC 2104; docs/performance.md, Recording, third pass;
    `tests/app/store/test_keys_and_engine.py` checks it against `hmac.digest`)."""
    if len(key) > SHA256_BLOCK_BYTES:
        key = hashlib.sha256(key).digest()
    key = key.ljust(SHA256_BLOCK_BYTES, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))

    def keyed(student_id: str) -> str:
        inner_hash = inner.copy()
        inner_hash.update(student_id.encode("utf-8"))
        outer_hash = outer.copy()
        outer_hash.update(inner_hash.digest())
        return outer_hash.hexdigest()

    return keyed


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
