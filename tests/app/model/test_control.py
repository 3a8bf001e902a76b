"""Reload and rollback by signal or by request (app/model/control.py), in this process, on
real checkpoints: SIGHUP reloads and SIGUSR2 rolls back; an admin request is carried out in
place when the worker is alone, or, under a supervisor, signals it and gets its own worker's
outcome; signals that come before the event loop are acted on once it runs; every outcome is
recorded and logged.

The supervisor here is this process itself: the signal an admin request sends comes back to
it, exactly as the supervisor forwards it to each worker.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.model.control import RELOAD, ROLLBACK, ModelControl
from app.model.predictor import load_predictor
from app.model.registry import ModelRegistry, Outcome
from harness.checkpoints import damage_checkpoint, derived_checkpoint
from tests.conftest import MODEL_PATH


@pytest.fixture(autouse=True)
def restored_signal_handlers() -> Iterator[None]:
    """The handlers this process had, back after each test (SIGHUP's default ends it)."""
    before = {number: signal.getsignal(number) for number in (RELOAD, ROLLBACK)}
    yield
    for number, handler in before.items():
        signal.signal(number, handler)


class Recorded:
    """The outcomes a control reports, and a way to wait for the next few."""

    def __init__(self) -> None:
        self.outcomes: list[str] = []

    def __call__(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome.outcome)

    async def until(self, count: int, timeout: float = 30) -> list[str]:
        async with asyncio.timeout(timeout):
            while len(self.outcomes) < count:
                await asyncio.sleep(0.01)
        return self.outcomes


def control_for(model_copy: Path, supervisor_pid: int | None) -> tuple[ModelControl, Recorded]:
    registry = ModelRegistry(model_copy, lambda predictor: None)
    registry.start(load_predictor(model_copy))
    recorded = Recorded()
    return ModelControl(registry, supervisor_pid, recorded), recorded


def test_alone_an_admin_request_acts_in_place(model_copy: Path) -> None:
    control, recorded = control_for(model_copy, supervisor_pid=None)
    new = derived_checkpoint(MODEL_PATH, model_copy, nudge=0.05)

    async def reload_and_roll_back() -> tuple[Outcome, Outcome]:
        return await control.reload(), await control.rollback()

    loaded, rolled = asyncio.run(reload_and_roll_back())
    assert loaded.outcome == "loaded" and loaded.active.predictor.card.model_version == new
    assert rolled.outcome == "rolled_back"
    assert recorded.outcomes == ["loaded", "rolled_back"]


def test_sighup_reloads_and_sigusr2_rolls_back(model_copy: Path) -> None:
    control, recorded = control_for(model_copy, supervisor_pid=None)
    old = control.registry.active.predictor.card.model_version
    new = derived_checkpoint(MODEL_PATH, model_copy, nudge=0.05)

    async def signalled() -> list[str]:
        control.install_signal_handlers()
        try:
            os.kill(os.getpid(), signal.SIGHUP)
            await recorded.until(1)
            assert list(control.registry.versions()) == [new, old]
            os.kill(os.getpid(), signal.SIGUSR2)
            return await recorded.until(2)
        finally:
            control.remove_signal_handlers()

    assert asyncio.run(signalled()) == ["loaded", "rolled_back"]
    assert list(control.registry.versions()) == [old, new]


def test_under_a_supervisor_an_admin_request_gets_its_workers_outcome(model_copy: Path) -> None:
    control, recorded = control_for(model_copy, supervisor_pid=os.getpid())
    new = derived_checkpoint(MODEL_PATH, model_copy, nudge=0.05)

    async def asked() -> Outcome:
        control.install_signal_handlers()
        try:
            return await control.reload()
        finally:
            control.remove_signal_handlers()

    outcome = asyncio.run(asked())
    assert outcome.outcome == "loaded" and outcome.active.predictor.card.model_version == new
    assert recorded.outcomes == ["loaded"]  # acted once, on the forwarded signal


def test_signals_before_the_event_loop_are_acted_on_once_it_runs(model_copy: Path) -> None:
    """A worker still loading its model when asked: each action asked for happens once, in
    the order first asked."""
    control, recorded = control_for(model_copy, supervisor_pid=None)
    new = derived_checkpoint(MODEL_PATH, model_copy, nudge=0.05)
    control.hold_early_signals()
    for number in (signal.SIGHUP, signal.SIGHUP, signal.SIGUSR2):
        os.kill(os.getpid(), number)

    async def running() -> list[str]:
        control.install_signal_handlers()
        try:
            # Every action asked for was started at install: once they are all done, a
            # third (the repeated SIGHUP) would have been recorded too.
            await asyncio.gather(*(asyncio.all_tasks() - {asyncio.current_task()}))
            return recorded.outcomes
        finally:
            control.remove_signal_handlers()

    assert asyncio.run(running()) == ["loaded", "rolled_back"]
    assert list(control.registry.versions())[1] == new


def test_a_refused_reload_is_recorded_and_logged_as_a_warning(
    model_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    control, recorded = control_for(model_copy, supervisor_pid=None)
    version = control.registry.active.predictor.card.model_version
    damage_checkpoint(model_copy)
    with caplog.at_level(logging.INFO, logger="cgpa.models"):
        outcome = asyncio.run(control.reload())
    assert outcome.outcome == "refused" and recorded.outcomes == ["refused"]
    (line,) = [record for record in caplog.records if record.name == "cgpa.models"]
    assert (line.levelno, line.getMessage()) == (logging.WARNING, "model reload")
    assert (line.outcome, line.serving) == ("refused", version)
    assert str(model_copy) in line.reason
