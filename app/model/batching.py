"""Joins the forecasts asked for during one turn of the event loop into one forward pass.

A forward pass of a few students costs little more than one of one student (the TorchScript
interpreter's per-operation cost dominates), so under concurrent load this divides the
model's cost by about the number of requests in flight. Every prediction route asks through
here, single students and batches alike. A lone request waits only for the rest of the
current loop turn.

A row's result depends on the other rows of its pass only in the last bits of a float64
(matrix products sum in a batch-dependent order), far below the 0.01 answers are rounded to;
tests check that the rounded answers are identical.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from app.model.card import GroupCode

Result = TypeVar("Result")
Groups = Sequence[GroupCode | None]
Forward = Callable[[Sequence[Sequence[float]], Groups], list[Result]]


class ForwardCoalescer(Generic[Result]):
    def __init__(self, forward: Forward[Result]) -> None:
        self.forward = forward
        self.waiting: list[
            tuple[Sequence[Sequence[float]], Groups, asyncio.Future[list[Result]]]
        ] = []

    async def run(self, histories: Sequence[Sequence[float]], groups: Groups) -> list[Result]:
        """`forward(histories, groups)`, in one pass with the other calls of this loop turn."""
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
        try:
            results = self.forward(histories, groups)
        except Exception as error:  # every waiting request gets the error, as if alone
            for _, _, answer in batch:
                if not answer.done():
                    answer.set_exception(error)
            return
        start = 0
        for request, _, answer in batch:
            end = start + len(request)
            if not answer.done():  # done = cancelled: the client went away
                answer.set_result(results[start:end])
            start = end
