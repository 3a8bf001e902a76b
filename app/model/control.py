"""Reload and roll back the model of every worker: on a signal, or asked over HTTP.

Each worker process holds its own models (`ModelRegistry`) and acts on two signals:
SIGHUP reloads `CGPA_MODEL_PATH`, SIGUSR2 rolls back to the previous model. Alone
(`python -m app` with one worker) the process is signalled directly, and an admin request is
carried out in place. Under the launcher's supervisor (several workers, app/server/supervisor.py)
the supervisor forwards each signal to every worker, so an admin request signals the
supervisor instead and waits for its own worker's turn: every worker then acts exactly once,
on the same files, and all end on the same version.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable

from app.model.registry import ModelRegistry, Outcome

RELOAD = signal.SIGHUP
ROLLBACK = signal.SIGUSR2
# How long an admin request waits for its own worker to act on the forwarded signal
# (a reload loads and verifies a checkpoint: about a second here).
FORWARDED_TIMEOUT = 60.0

logger = logging.getLogger("cgpa.models")


class ModelControl:
    def __init__(
        self,
        registry: ModelRegistry,
        supervisor_pid: int | None,
        record: Callable[[Outcome], None] = lambda outcome: None,
    ) -> None:
        """`record` is told every outcome (the service counts them for /metrics)."""
        self.registry = registry
        self.supervisor_pid = supervisor_pid
        self.record = record
        self._waiting: dict[int, list[asyncio.Future[Outcome]]] = {RELOAD: [], ROLLBACK: []}
        self._early: list[int] = []
        self._actions: dict[int, Callable[[], Awaitable[Outcome]]] = {
            RELOAD: registry.reload,
            ROLLBACK: registry.rollback,
        }

    def hold_early_signals(self) -> None:
        """Until the event loop takes them over, remember the signals instead of dying of
        them (their default action ends the process): a worker still loading its model when
        a reload is asked for acts on it once it is ready."""
        for number in self._actions:
            signal.signal(number, lambda number, frame: self._early.append(number))

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for number in self._actions:
            loop.add_signal_handler(number, self._on_signal, number)
        for number in dict.fromkeys(self._early):  # each asked-for action once, in order
            self._on_signal(number)
        self._early.clear()

    def remove_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for number in self._actions:
            loop.remove_signal_handler(number)

    async def reload(self) -> Outcome:
        return await self._everywhere(RELOAD)

    async def rollback(self) -> Outcome:
        return await self._everywhere(ROLLBACK)

    async def _everywhere(self, number: int) -> Outcome:
        if self.supervisor_pid is None:
            return await self._act(number)
        answer: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting[number].append(answer)
        os.kill(self.supervisor_pid, number)
        try:
            return await asyncio.wait_for(answer, FORWARDED_TIMEOUT)
        finally:
            if answer in self._waiting[number]:
                self._waiting[number].remove(answer)

    def _on_signal(self, number: int) -> None:
        waiting, self._waiting[number] = self._waiting[number], []
        task = asyncio.ensure_future(self._act(number))

        def hand_over(done: asyncio.Task[Outcome]) -> None:
            for answer in waiting:
                if answer.done():
                    continue
                if done.exception() is not None:
                    answer.set_exception(done.exception())  # type: ignore[arg-type]
                else:
                    answer.set_result(done.result())

        task.add_done_callback(hand_over)

    async def _act(self, number: int) -> Outcome:
        outcome = await self._actions[number]()
        self.record(outcome)
        level = logging.WARNING if outcome.outcome in ("refused", "no_previous") else logging.INFO
        version = outcome.active.predictor.card.model_version if outcome.active else None
        logger.log(
            level,
            "model reload" if number == RELOAD else "model rollback",
            extra={"outcome": outcome.outcome, "reason": outcome.message, "serving": version},
        )
        return outcome
