"""The group commit: `await recorder.record(forecasts)` returns the forecast ids once their
rows are committed.

Why a group commit: a commit costs a disk write (SQLite) or a round trip and a WAL flush
(PostgreSQL) whatever its size, so one commit per request would cap recording far below the
forward passes the coalescer already shares. Instead the requests of one event-loop turn are
handed over together, every hand-over that arrives while a commit is running is written by
the next commit, one transaction for all of them, and every one of those requests is
answered after it.

The database work runs in one long-lived thread of its own, on one DB-API connection it keeps
(no pool checkout, no SQLAlchemy transaction object, no PostgreSQL pre-ping per commit), so
the event loop never waits on a disk or a socket. The loop's part is kept small, as the loop
is the service's busiest part: a request appends its values to a list; once per loop turn
that list goes to the thread through a `queue.SimpleQueue`; the thread builds the rows (ids,
student keys: app/store/insert.py), commits, and settles all the commit's requests with one
`call_soon_threadsafe`. Commits run one at a time: a second thread would only queue on
SQLite's single writer lock.

SQLite: when the background checkpoint found the write-ahead log long (`log_reset_due`), the
thread empties it after answering a commit's requests and before the next commit: no commit
of this process is then in the way, and the requests that arrive meanwhile wait for one short
copy and a file sync. From another thread, the emptying waited on the commits and they on it,
each in SQLite's busy sleeps (docs/performance.md).

Failure: any database error (PostgreSQL down, disk full, locked past the busy timeout) fails
every request of that commit with `StoreUnavailableError`, marks the store unavailable and
drops the connection (the next commit takes a fresh one); while the store is unavailable,
requests fail at once instead of queueing on a dead database, and the watcher
(app/store/startup.py) marks it available again once a probe succeeds. A request waits at
most `wait_seconds` for its commit; then it fails the same way (the rows may still commit
later: a forecast recorded that nobody was told of, never a forecast told of and not
recorded).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from typing import Any

import sqlalchemy as sa

from app.store.insert import Answered, ForecastInsert, Forecasts
from app.store.store import STORE_NAME, Store, StoreUnavailableError, failure_reason

__all__ = ["STORE_ERRORS", "Answered", "Forecasts", "Recorder"]

logger = logging.getLogger("cgpa.store")

# Above SQLite's busy timeout (engine.py) and PostgreSQL's connect timeout, so a commit that
# is merely waiting for a lock gets its chance before the request gives up.
WAIT_SECONDS = 8.0
# Errors that mean "the database did not take the rows"; anything else is a bug and surfaces.
# The recorder also counts its driver's own errors (it talks to the DB-API connection).
STORE_ERRORS = (sa.exc.SQLAlchemyError, OSError)
# A connection idle this long is handed back and checked out again before the next commit,
# so the pool's pre-ping (PostgreSQL) finds one the server closed meanwhile (a restart)
# instead of the commit failing on it; under load the connection is never idle this long.
IDLE_SECONDS = 1.0

# One request waiting: what it hands over and the future its ids arrive on.
Waiting = tuple[Forecasts, "asyncio.Future[list[str]]"]


class _Handover:
    """The requests of one loop turn, on their way to the thread."""

    __slots__ = ("deadline", "loop", "waiting")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        waiting: list[Waiting],
        deadline: asyncio.TimerHandle,
    ) -> None:
        self.loop, self.waiting, self.deadline = loop, waiting, deadline


class Recorder:
    def __init__(self, store: Store, wait_seconds: float = WAIT_SECONDS) -> None:
        self.store = store
        self.wait_seconds = wait_seconds
        dialect = store.engine.dialect
        self.insert = ForecastInsert(dialect)
        self.errors: tuple[type[BaseException], ...] = (*STORE_ERRORS, dialect.loaded_dbapi.Error)
        self._waiting: list[Waiting] = []
        # The loop a hand-over is scheduled on (None: none is): a loop that closed before
        # its hand-over ran (tests run several) does not keep the next one from scheduling.
        self._handover_on: asyncio.AbstractEventLoop | None = None
        self._queue: queue.SimpleQueue[_Handover | None] = queue.SimpleQueue()
        self._connection: Any = None  # the thread's, between commits (a pool's proxy)
        self._last_commit = 0.0
        self.commits = 0  # groups committed: what tests and the benchmark read
        self._thread = threading.Thread(target=self._run, name="cgpa-store", daemon=True)
        self._thread.start()

    async def record(self, forecasts: Forecasts) -> list[str]:
        """The forecast ids, after COMMIT; StoreUnavailableError when the store did not take
        the rows."""
        if not self.store.available:
            raise self.store.unavailable_error()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[list[str]] = loop.create_future()
        self._waiting.append((forecasts, done))
        if self._handover_on is not loop:
            # At the end of this loop turn, so that the requests of the turn go together.
            self._handover_on = loop
            loop.call_soon(self._hand_over, loop)
        # A cancelled request (its client left) cancels `done`; the commit goes on.
        return await done

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        waiting, self._waiting, self._handover_on = self._waiting, [], None
        deadline = loop.call_later(self.wait_seconds, self._expire, waiting)
        self._queue.put(_Handover(loop, waiting, deadline))

    def _expire(self, waiting: list[Waiting]) -> None:
        if all(done.done() for _, done in waiting):
            return
        problem = f"no commit within {self.wait_seconds:g} s"
        self.store.mark_unavailable(problem)
        _settle(waiting, StoreUnavailableError(f"{STORE_NAME} is unavailable: {problem}"))

    # --- the thread -----------------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            handovers = [] if first is None else [first]
            stopping = first is None
            # Everything handed over while the last commit ran goes into this one.
            with contextlib.suppress(queue.Empty):
                while True:
                    more = self._queue.get_nowait()
                    if more is None:
                        stopping = True
                    else:
                        handovers.append(more)
            if handovers:
                self._commit(handovers)
            if self.store.log_reset_due:
                self.store.log_reset_due = False
                self._empty_log()
        self._drop_connection(invalidate=False)

    def _commit(self, handovers: list[_Handover]) -> None:
        requests = [forecasts for handover in handovers for forecasts, _ in handover.waiting]
        outcome: list[list[str]] | BaseException
        if not self.store.available:  # the last commit failed: fail fast, not again
            outcome = self.store.unavailable_error()
        else:
            try:
                rows, outcome = self.insert.rows_of(requests, self.store.student_key)
                self._insert(rows)
                self.commits += 1
            except self.errors as error:
                problem = failure_reason(error)
                if self.store.available:
                    logger.warning("store unavailable: %s", problem)
                self.store.mark_unavailable(problem)
                self._drop_connection(invalidate=True)
                outcome = StoreUnavailableError(f"{STORE_NAME} is unavailable: {problem}")
            except Exception as error:
                # Not the database: a bug. Every waiting request gets it (the request path
                # logs it and answers 500) rather than hanging until its wait runs out.
                self._drop_connection(invalidate=True)
                outcome = error
        self._post(handovers, outcome)

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        now = time.monotonic()
        if now - self._last_commit > IDLE_SECONDS:
            self._drop_connection(invalidate=False)
        self._last_commit = now
        if self._connection is None:
            self._connection = self.store.engine.raw_connection()
        connection = self._connection
        try:
            self.insert.execute(connection.driver_connection, rows)
            connection.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                connection.rollback()
            raise

    def _post(self, handovers: list[_Handover], outcome: list[list[str]] | BaseException) -> None:
        """Settles the requests on their loops: one call per loop (there is one but in tests)."""
        by_loop: dict[asyncio.AbstractEventLoop, list[_Handover]] = {}
        for handover in handovers:
            by_loop.setdefault(handover.loop, []).append(handover)
        start = 0
        for loop, own in by_loop.items():
            count = sum(len(handover.waiting) for handover in own)
            results = outcome if isinstance(outcome, BaseException) else outcome[start:]
            start += count
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits
                loop.call_soon_threadsafe(_settle_handovers, own, results)

    def _empty_log(self) -> None:
        # A failure is left to the next long log; an outage shows in the next commit.
        with contextlib.suppress(*self.errors):
            if self._connection is None:
                self._connection = self.store.engine.raw_connection()
            self._connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _drop_connection(self, *, invalidate: bool) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            if invalidate:
                connection.invalidate()
            else:
                connection.close()

    def close(self) -> None:
        """Waits for the commit that is running, then stops the thread."""
        self._queue.put(None)
        self._thread.join()


def _settle_handovers(handovers: list[_Handover], outcome: list[list[str]] | BaseException) -> None:
    if isinstance(outcome, BaseException):
        for handover in handovers:
            handover.deadline.cancel()
            _settle(handover.waiting, outcome)
        return
    ids = iter(outcome)
    for handover in handovers:
        handover.deadline.cancel()
        for _, done in handover.waiting:
            forecast_ids = next(ids)
            if not done.done():  # cancelled (the client left) or expired: nothing to tell
                done.set_result(forecast_ids)


def _settle(waiting: list[Waiting], error: BaseException) -> None:
    for _, done in waiting:
        if not done.done():
            done.set_exception(error)
