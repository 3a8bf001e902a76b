"""The group commit: `await recorder.record(rows)` returns once the rows are committed.

Why a group commit: a commit costs a disk sync (SQLite) or a round trip (PostgreSQL) whatever
its size, so one commit per request would cap recording far below the forward passes the
coalescer already shares. Instead the rows of every request that arrives while a commit is
running (or in the same event-loop turn as the first) are written by the next commit, one
INSERT transaction for all of them, and every one of those requests is answered after it.

The database work runs in one dedicated thread (sync SQLAlchemy Core), so the event loop
never waits on a disk or a socket, and one connection stays warm. Commits run one at a
time: a second thread would only queue on SQLite's single writer lock.

SQLite: when the background checkpoint found the write-ahead log long (`log_reset_due`), the
recorder empties it after answering a commit's requests and before the next commit, in its
own thread: no commit of this process is then in the way, and the requests that arrive
meanwhile wait for one short copy and a file sync. From another thread, the emptying waited
on the commits and they on it, each in SQLite's busy sleeps (docs/performance.md).

Failure: any database error (PostgreSQL down, disk full, locked past the busy timeout) fails
every request of that group with `StoreUnavailableError` and marks the store unavailable;
while it is, requests fail at once instead of queueing on a dead database, and the watcher
(app/store/startup.py) marks it available again once a probe succeeds. A request waits at
most `wait_seconds` for its commit; then it fails the same way (the rows may still commit
later: a forecast recorded that nobody was told of, never a forecast told of and not
recorded).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from app.store.engine import empty_log
from app.store.insert import ForecastInsert, Row
from app.store.store import STORE_NAME, Store, StoreUnavailableError, failure_reason

logger = logging.getLogger("cgpa.store")

# Above SQLite's busy timeout (engine.py) and PostgreSQL's connect timeout, so a commit that
# is merely waiting for a lock gets its chance before the request gives up.
WAIT_SECONDS = 8.0
# Errors that mean "the database did not take the rows"; anything else is a bug and surfaces.
STORE_ERRORS = (sa.exc.SQLAlchemyError, OSError)


class Recorder:
    def __init__(self, store: Store, wait_seconds: float = WAIT_SECONDS) -> None:
        self.store = store
        self.wait_seconds = wait_seconds
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cgpa-store")
        self.insert = ForecastInsert(store.engine.dialect)
        self._waiting: list[tuple[Sequence[Row], asyncio.Future[None]]] = []
        self._committer: asyncio.Task[None] | None = None
        self.commits = 0  # groups committed: what tests and the benchmark read

    async def record(self, rows: Sequence[Row]) -> None:
        """Returns after COMMIT; StoreUnavailableError when the store did not take the rows."""
        if not self.store.available:
            raise self.store.unavailable_error()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._waiting.append((rows, done))
        if self._committer is None:
            # Started as a task, so it first runs after the requests of this loop turn have
            # added their rows: they share its first commit.
            self._committer = loop.create_task(self._commit_waiting())
        try:
            await asyncio.wait_for(asyncio.shield(done), self.wait_seconds)
        except TimeoutError:
            problem = f"no commit within {self.wait_seconds:g} s"
            self.store.mark_unavailable(problem)
            raise StoreUnavailableError(f"{STORE_NAME} is unavailable: {problem}") from None
        finally:
            # Timed out or cancelled (the client left): the commit goes on, nobody waits.
            done.cancel()

    async def _commit_waiting(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                if not self.store.available:  # the last commit failed: fail fast, not again
                    _settle(group, self.store.unavailable_error())
                    continue
                rows = [row for rows, _ in group for row in rows]
                try:
                    await loop.run_in_executor(self.executor, self._insert, rows)
                except STORE_ERRORS as error:
                    problem = failure_reason(error)
                    if self.store.available:
                        logger.warning("store unavailable: %s", problem)
                    self.store.mark_unavailable(problem)
                    failure = StoreUnavailableError(f"{STORE_NAME} is unavailable: {problem}")
                    _settle(group, failure)
                    continue
                except Exception as error:
                    # Not the database: a bug. Every waiting request gets it (the request path
                    # logs it and answers 500) rather than hanging until its wait runs out.
                    _settle(group, error)
                    continue
                self.commits += 1
                _settle(group, None)
                if self.store.log_reset_due:
                    self.store.log_reset_due = False
                    await loop.run_in_executor(self.executor, self._empty_log)
        finally:
            self._committer = None

    def _insert(self, rows: list[Row]) -> None:
        with self.store.engine.begin() as connection:
            self.insert.execute(connection, rows)

    def _empty_log(self) -> None:
        # A failure is left to the next long log; an outage shows in the next commit.
        with contextlib.suppress(*STORE_ERRORS):
            empty_log(self.store.engine)

    def close(self) -> None:
        self.executor.shutdown(wait=True)


def _settle(
    group: list[tuple[Sequence[Row], asyncio.Future[None]]], error: Exception | None
) -> None:
    for _, done in group:
        if done.done():  # the request was cancelled (its client left): nothing to tell
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
