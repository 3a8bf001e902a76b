"""WorkAdmission: a bound on the rows worked on at once, first come first served, and a 503
(Overloaded) for what waits too long."""

from __future__ import annotations

import asyncio

import pytest

from app.model.admission import Overloaded, WorkAdmission

pytestmark = pytest.mark.anyio  # asyncio only: anyio's default backend


async def hold(admission: WorkAdmission, rows: int, order: list[str], name: str) -> asyncio.Event:
    """Starts a request of `rows` that keeps its rows until the returned event is set."""
    release = asyncio.Event()

    async def request() -> None:
        async with admission.admitted(rows):
            order.append(name)
            await release.wait()

    asyncio.get_running_loop().create_task(request())
    await asyncio.sleep(0)
    return release


async def turns(count: int = 5) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def test_work_within_the_bound_is_admitted_at_once_and_released_after() -> None:
    admission = WorkAdmission(capacity=10, max_wait=1)
    async with admission.admitted(4):
        assert admission.in_flight == 4
        async with admission.admitted(6):
            assert admission.in_flight == 10
    assert admission.in_flight == 0


async def test_past_the_bound_work_waits_for_room_and_then_runs() -> None:
    admission = WorkAdmission(capacity=10, max_wait=5)
    order: list[str] = []
    first = await hold(admission, 8, order, "first")
    second = await hold(admission, 5, order, "second")
    assert order == ["first"] and admission.queued == 5
    first.set()
    await turns()
    assert order == ["first", "second"] and admission.in_flight == 5
    second.set()
    await turns()
    assert admission.in_flight == 0 and admission.queued == 0


async def test_nobody_overtakes_a_waiting_request_even_when_it_would_fit() -> None:
    admission = WorkAdmission(capacity=10, max_wait=5)
    order: list[str] = []
    batch = await hold(admission, 8, order, "batch")
    waiting_batch = await hold(admission, 5, order, "waiting batch")
    single = await hold(admission, 1, order, "single")  # 8 + 1 fits, but it came later
    assert order == ["batch"]
    batch.set()
    await turns()
    assert order == ["batch", "waiting batch", "single"]
    waiting_batch.set()
    single.set()
    await turns()


async def test_a_single_student_behind_batches_is_served_before_later_batches() -> None:
    admission = WorkAdmission(capacity=100, max_wait=5)
    order: list[str] = []
    first = await hold(admission, 100, order, "batch 0")
    single = await hold(admission, 1, order, "single")
    later = await hold(admission, 99, order, "batch 1")  # the queue is now a whole budget
    first.set()
    await turns()
    assert order == ["batch 0", "single", "batch 1"]
    single.set()
    later.set()
    await turns()
    assert admission.in_flight == 0


async def test_a_wait_past_the_limit_is_refused_and_leaves_nothing_behind() -> None:
    admission = WorkAdmission(capacity=10, max_wait=0.05)
    order: list[str] = []
    busy = await hold(admission, 10, order, "busy")
    with pytest.raises(Overloaded) as refused:
        async with admission.admitted(1):
            pytest.fail("admitted past the bound")
    assert refused.value.waited is True
    assert admission.queued == 0 and admission.in_flight == 10
    busy.set()
    await turns()
    assert admission.in_flight == 0


async def test_a_refused_head_lets_the_ones_behind_it_in() -> None:
    admission = WorkAdmission(capacity=10, max_wait=0.05)
    order: list[str] = []
    busy = await hold(admission, 6, order, "busy")
    big = asyncio.get_running_loop().create_task(hold_for(admission, 9))  # waits, then refused
    await turns()
    small = await hold(admission, 1, order, "small")  # fits beside "busy", but queued behind
    assert order == ["busy"]
    with pytest.raises(Overloaded):
        await big
    await turns()
    assert order == ["busy", "small"]
    busy.set()
    small.set()
    await turns()
    assert admission.in_flight == 0


async def hold_for(admission: WorkAdmission, rows: int) -> None:
    async with admission.admitted(rows):
        await asyncio.sleep(0)


async def test_more_than_the_whole_bound_runs_alone() -> None:
    admission = WorkAdmission(capacity=10, max_wait=1)
    async with admission.admitted(50):
        assert admission.in_flight == 10
    assert admission.in_flight == 0


async def test_a_client_that_leaves_while_waiting_gives_its_place_up() -> None:
    admission = WorkAdmission(capacity=10, max_wait=5)
    order: list[str] = []
    busy = await hold(admission, 10, order, "busy")
    leaving = asyncio.get_running_loop().create_task(hold_for(admission, 5))
    await turns()
    assert admission.queued == 5
    leaving.cancel()
    await turns()
    assert admission.queued == 0
    busy.set()
    await turns()
    assert admission.in_flight == 0


async def test_a_full_queue_refuses_at_once_and_says_so() -> None:
    admission = WorkAdmission(capacity=10, max_wait=5)
    order: list[str] = []
    busy = await hold(admission, 10, order, "busy")
    queued = await hold(admission, 10, order, "queued")  # the queue now holds a whole budget
    with pytest.raises(Overloaded) as refused:
        async with admission.admitted(1):
            pytest.fail("admitted past a full queue")
    assert refused.value.waited is False
    assert admission.queued == 10
    busy.set()
    await turns()
    assert order == ["busy", "queued"]
    queued.set()
    await turns()
