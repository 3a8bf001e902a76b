"""The store the service records into: its engine and the key that turns a student id into
the `student_key` its rows carry (app/store/keys.py)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.store.keys import student_key


@dataclass
class Store:
    engine: sa.Engine
    key: bytes

    def student_key(self, student_id: str) -> str:
        return student_key(student_id, self.key)
