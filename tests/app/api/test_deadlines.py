"""`within`: a wait past its deadline raises TimeoutError, at the deadline's slot and not
before; a wait in time, or one cancelled for another reason, is left alone; deadlines of one
slot share one timer. On a loop whose clock the test moves."""

from __future__ import annotations

import asyncio

import pytest

from app.api.deadlines import RESOLUTION, within


class ManualClockLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        super().__init__()
        self.now = 1000.0
        self.timers = 0

    def time(self) -> float:
        return self.now

    def call_at(self, when, callback, *args, context=None):  # type: ignore[no-untyped-def]
        self.timers += 1
        return super().call_at(when, callback, *args, context=context)


@pytest.fixture
def loop() -> ManualClockLoop:
    loop = ManualClockLoop()
    yield loop
    loop.close()


def settle(loop: ManualClockLoop) -> None:
    for _ in range(5):
        loop.run_until_complete(asyncio.sleep(0))


async def wait_for_gate(gate: asyncio.Event, seconds: float) -> str:
    try:
        with within(seconds):
            await gate.wait()
    except TimeoutError:
        return "timed out"
    return "in time"


def test_a_wait_past_the_deadline_times_out_at_it_not_before(loop: ManualClockLoop) -> None:
    gate = asyncio.Event()
    waiting = loop.create_task(wait_for_gate(gate, 10))
    settle(loop)
    loop.now += 10 - RESOLUTION / 2
    settle(loop)
    assert not waiting.done()
    loop.now += RESOLUTION
    settle(loop)
    assert waiting.result() == "timed out"


def test_a_wait_in_time_is_left_alone(loop: ManualClockLoop) -> None:
    gate = asyncio.Event()
    waiting = loop.create_task(wait_for_gate(gate, 10))
    settle(loop)
    gate.set()
    settle(loop)
    loop.now += 20  # the slot's timer fires and finds nobody
    settle(loop)
    assert waiting.result() == "in time"


def test_a_cancel_from_elsewhere_stays_a_cancel(loop: ManualClockLoop) -> None:
    waiting = loop.create_task(wait_for_gate(asyncio.Event(), 10))
    settle(loop)
    waiting.cancel()
    settle(loop)
    assert waiting.cancelled()


def test_deadlines_of_one_slot_share_one_timer(loop: ManualClockLoop) -> None:
    gate = asyncio.Event()
    before = loop.timers
    waiting = [loop.create_task(wait_for_gate(gate, 10)) for _ in range(50)]
    settle(loop)
    assert loop.timers - before == 1
    loop.now += 11
    settle(loop)
    assert {task.result() for task in waiting} == {"timed out"}
