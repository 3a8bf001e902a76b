"""`Store`: what the running service knows of its database, held on `ServiceState.store`
(None when `CGPA_DATABASE_URL=none`).

It is the engine, the key that turns a student id into the key stored (app/store/keys.py),
and whether the database answered last time: routes that need the store (recording,
outcomes) check `available` and answer 503 naming the store when it is not, while plain
forecasts never look at it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.store.keys import student_keyer

# The name a 503 gives for the part that failed, so a client and an operator know which.
STORE_NAME = "the forecast store"


class StoreUnavailableError(RuntimeError):
    """The database did not answer (down, locked past the busy timeout, disk full, slow past
    the wait limit). Routes turn it into 503 with Retry-After; `str()` says why."""


@dataclass(eq=False)
class Store:
    engine: sa.Engine
    key: bytes = field(repr=False)
    # Why the store is not usable now (unreachable at startup, the last commit failed);
    # None while it answers. Set and cleared by the lifespan's `connect` and `watch`
    # (app/store/startup.py) and the recorder; a Store made by hand starts available.
    problem: str | None = None
    # SQLite: the background checkpoint found a long write-ahead log, which the recorder
    # empties between two of its commits (app/store/recorder.py).
    log_reset_due: bool = False
    # The key's HMAC, ready for one id after another (app/store/keys.py).
    student_key: Callable[[str], str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.student_key = student_keyer(self.key)

    @property
    def available(self) -> bool:
        return self.problem is None

    @property
    def state(self) -> str:
        """The state /health/ready reports: "ok" or "unavailable"."""
        return "ok" if self.problem is None else "unavailable"

    def mark_available(self) -> None:
        self.problem = None

    def mark_unavailable(self, problem: str) -> None:
        self.problem = problem

    def unavailable_error(self) -> StoreUnavailableError:
        return StoreUnavailableError(f"{STORE_NAME} is unavailable: {self.problem}")


def failure_reason(error: BaseException) -> str:
    """The database's own reason, first line only, without SQLAlchemy's statement dump (which
    would put the rows, student keys included, into logs and answers)."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0] if lines else ''}"[:300]
