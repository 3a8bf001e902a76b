"""Joins the forecasts asked for during one turn of the event loop into one forward pass.

A forward pass of a few students costs little more than one of one student (the TorchScript
interpreter's per-operation cost dominates), so under concurrent load this divides the
model's cost by about the number of requests in flight. Every prediction route asks through
here, single students and batches alike. A lone request waits only for the rest of the
current loop turn.

What was joined and fits in one slice (`slice_rows` forward rows: single students, small
batches) runs at once, in the turn it was joined. Larger work runs one slice per loop turn,
first come first served, so the event loop is never held for more than a slice: health
probes, metrics and new requests are answered while a large amount of admitted work is under
way. Each request's answer is released as soon as the slice holding its last student is done,
and a small request never waits behind a large one. A slice this size is as fast per row as a
larger pass (docs/performance.md).

A row's result depends on the other rows of its pass only in the last bits of a float64
(matrix products sum in a batch-dependent order), far below the 0.01 answers are rounded to;
tests check that the rounded answers are identical.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from app.model.card_calibration import GroupCode

Result = TypeVar("Result")
Groups = Sequence[GroupCode | None]
Forward = Callable[[Sequence[Sequence[float]], Groups], list[Result]]
# Forward rows one student costs, from its history and group.
RowCost = Callable[[Sequence[float], GroupCode | None], int]
Request = tuple[Sequence[Sequence[float]], Groups, asyncio.Future[list[Result]]]
# A joined batch: its requests, their students' histories and groups, where its slices end.
_Joined = tuple[list[Request[Result]], list[Sequence[float]], list[GroupCode | None], list[int]]

SLICE_ROWS = 4096


def one_row(history: Sequence[float], group: GroupCode | None) -> int:
    return 1


class ForwardCoalescer(Generic[Result]):
    def __init__(
        self, forward: Forward[Result], row_cost: RowCost = one_row, slice_rows: int = SLICE_ROWS
    ) -> None:
        self.forward = forward
        self.row_cost = row_cost
        self.slice_rows = slice_rows
        self.waiting: list[Request[Result]] = []
        # Joined batches larger than a slice, run one slice per loop turn by one task, in
        # the order they came: however many there are, a turn holds at most one slice.
        self.backlog: deque[_Joined[Result]] = deque()
        self.drainer: asyncio.Task[None] | None = None

    async def run(self, histories: Sequence[Sequence[float]], groups: Groups) -> list[Result]:
        """`forward(histories, groups)`, in one pass with the other calls of this loop turn
        (in slices when they are many rows)."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[list[Result]] = loop.create_future()
        if not self.waiting:
            # Runs after every callback already queued, i.e. after the other requests that
            # arrived in this turn have reached this point too.
            loop.call_soon(self._run_batch)
        self.waiting.append((histories, groups, answer))
        return await answer

    def _run_batch(self) -> None:
        batch, self.waiting = self.waiting, []
        histories = [history for request, _, _ in batch for history in request]
        groups = [group for _, request, _ in batch for group in request]
        cuts = self._cuts(histories, groups)
        if len(cuts) == 1:  # the usual case: all of it in this turn, no task to schedule
            results = self._forward_all(batch, histories, groups, 0, len(histories))
            if results is not None:
                self._deliver(batch, results, 0, 0)
            return
        self.backlog.append((batch, histories, groups, cuts))
        if self.drainer is None:
            self.drainer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self.backlog:
                await self._run_in_slices(*self.backlog.popleft())
        finally:
            self.drainer = None

    async def _run_in_slices(
        self,
        batch: list[Request[Result]],
        histories: list[Sequence[float]],
        groups: list[GroupCode | None],
        cuts: list[int],
    ) -> None:
        results: list[Result] = []
        delivered = offset = start = 0
        for stop in cuts:
            rows = self._forward_all(batch[delivered:], histories, groups, start, stop)
            if rows is None:
                return
            results += rows
            start = stop
            delivered, offset = self._deliver(batch, results, delivered, offset)
            await asyncio.sleep(0)  # one turn of the loop for everything else

    def _forward_all(
        self,
        pending: list[Request[Result]],
        histories: list[Sequence[float]],
        groups: list[GroupCode | None],
        start: int,
        stop: int,
    ) -> list[Result] | None:
        try:
            return self.forward(histories[start:stop], groups[start:stop])
        except Exception as error:  # every waiting request gets the error, as if alone
            for _, _, answer in pending:
                if not answer.done():
                    answer.set_exception(error)
            return None

    @staticmethod
    def _deliver(
        batch: list[Request[Result]], results: list[Result], delivered: int, offset: int
    ) -> tuple[int, int]:
        """Answers the requests from index `delivered` (whose rows start at `offset`) that
        have all their rows in `results`; returns where the next undelivered one starts."""
        while delivered < len(batch):
            request, _, answer = batch[delivered]
            if offset + len(request) > len(results):
                break
            if not answer.done():  # done = cancelled: the client went away
                answer.set_result(results[offset : offset + len(request)])
            offset += len(request)
            delivered += 1
        return delivered, offset

    def _cuts(self, histories: list[Sequence[float]], groups: list[GroupCode | None]) -> list[int]:
        """Where the slices end: each holds at most `slice_rows` rows (or one student)."""
        if self.row_cost is one_row:  # every student one row: no need to ask each
            return [*range(self.slice_rows, len(histories), self.slice_rows), len(histories)]
        cuts: list[int] = []
        rows = 0
        for index, (history, group) in enumerate(zip(histories, groups, strict=True)):
            cost = self.row_cost(history, group)
            if rows and rows + cost > self.slice_rows:
                cuts.append(index)
                rows = 0
            rows += cost
        cuts.append(len(histories))
        return cuts
