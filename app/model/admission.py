"""Admission by cost: a bound on the forward-pass rows the service works on at once.

Every prediction request costs the rows its forward passes take: one per student, plus the
coalition rows of each explanation (app/model/explain.py `coalition_rows`) and the columns of
each path (app/model/advice.py `path_rows`). Those rows, and
the answers built from them, are what a worker's memory and event loop spend their time on,
so they, not connections, are what is bounded. A request is admitted at once while its cost
fits in what is free and nobody is waiting; otherwise it joins a first-come, first-served
queue, and is refused (`Overloaded`, answered 503 with Retry-After) when its wait passes
`max_wait` seconds, or at once when the queue already holds a whole budget's worth of work
(the waiting requests' parsed bodies are memory too). Nobody overtakes: a single student
behind a large batch waits for it, and is never passed over indefinitely by later batches,
which queue behind the single student in turn.

A request costing more than the whole budget is admitted as if it cost the whole budget, so
alone it still runs (the request limits bound its size).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass


class Overloaded(Exception):
    """The work in flight and in the queue is at the bound: try again after a while.
    `waited`: whether the request spent `max_wait` in the queue first."""

    def __init__(self, waited: bool) -> None:
        super().__init__("overloaded")
        self.waited = waited


@dataclass(slots=True)
class _Waiter:
    cost: int
    admitted: asyncio.Future[None]


class WorkAdmission:
    def __init__(self, capacity: int, max_wait: float) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least one row")
        self.capacity = capacity
        self.max_wait = max_wait
        self.in_flight = 0
        self.queued = 0
        self._queue: deque[_Waiter] = deque()

    @asynccontextmanager
    async def admitted(self, rows: int) -> AsyncIterator[None]:
        """Holds `rows` of the budget for the body of the `async with`."""
        cost = min(max(rows, 1), self.capacity)
        await self._acquire(cost)
        try:
            yield
        finally:
            self._release(cost)

    async def _acquire(self, cost: int) -> None:
        if not self._queue and self.in_flight + cost <= self.capacity:
            self.in_flight += cost
            return
        if self.queued + cost > self.capacity:
            raise Overloaded(waited=False)
        waiter = _Waiter(cost, asyncio.get_running_loop().create_future())
        self._queue.append(waiter)
        self.queued += cost
        try:
            await asyncio.wait_for(asyncio.shield(waiter.admitted), self.max_wait)
        except TimeoutError:
            if waiter.admitted.done():  # admitted in the same turn the wait ran out
                return
            self._drop(waiter)
            raise Overloaded(waited=True) from None
        except asyncio.CancelledError:  # the client went away while waiting
            if waiter.admitted.done():
                self._release(cost)
            else:
                self._drop(waiter)
            raise

    def _drop(self, waiter: _Waiter) -> None:
        self._queue.remove(waiter)
        self.queued -= waiter.cost
        waiter.admitted.cancel()
        # The head may have been what held the others back.
        self._admit_waiting()

    def _release(self, cost: int) -> None:
        self.in_flight -= cost
        self._admit_waiting()

    def _admit_waiting(self) -> None:
        # In order only: the head waits for room even when a smaller one behind it would fit.
        while self._queue and self.in_flight + self._queue[0].cost <= self.capacity:
            waiter = self._queue.popleft()
            self.queued -= waiter.cost
            self.in_flight += waiter.cost
            waiter.admitted.set_result(None)
