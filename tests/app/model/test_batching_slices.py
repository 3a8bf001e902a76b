"""The coalescer's slices: work larger than a slice runs one slice per loop turn, first come
first served, without changing any answer, and small work never waits behind it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from app.model.batching import ForwardCoalescer
from app.model.predictor import Predictor, load_predictor
from tests.conftest import MODEL_PATH

pytestmark = pytest.mark.anyio


class CountingForward:
    """A forward whose answer is plain arithmetic of the row, and which records each pass."""

    def __init__(self) -> None:
        self.passes: list[int] = []

    def __call__(self, histories: Sequence[Sequence[float]], groups: Sequence[object]) -> list:
        self.passes.append(len(histories))
        pairs = zip(histories, groups, strict=True)
        return [sum(history) + (group or 0) for history, group in pairs]


def students(count: int, first: int = 0) -> tuple[list[list[float]], list[object]]:
    return [[float(first + n), 1.0] for n in range(count)], [n % 3 or None for n in range(count)]


async def test_a_batch_larger_than_a_slice_gets_the_same_answers_in_slices() -> None:
    forward = CountingForward()
    coalescer = ForwardCoalescer(forward, slice_rows=100)
    histories, groups = students(250)
    answers = await coalescer.run(histories, groups)
    assert answers == CountingForward()(histories, groups)
    assert forward.passes == [100, 100, 50]


async def test_the_loop_gets_a_turn_between_slices() -> None:
    forward = CountingForward()
    coalescer = ForwardCoalescer(forward, slice_rows=10)
    seen_passes: list[int] = []

    async def probe() -> None:
        for _ in range(5):
            await asyncio.sleep(0)
            seen_passes.append(len(forward.passes))

    histories, groups = students(50)
    await asyncio.gather(coalescer.run(histories, groups), probe())
    # The probe ran while the five slices were under way, not only after them.
    assert any(0 < passes < 5 for passes in seen_passes)


async def test_a_single_student_is_not_held_behind_a_large_batch() -> None:
    coalescer = ForwardCoalescer(CountingForward(), slice_rows=10)
    finished: list[str] = []

    async def ask(name: str, count: int) -> None:
        await coalescer.run(*students(count))
        finished.append(name)

    large = asyncio.get_running_loop().create_task(ask("large", 200))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the large batch is being worked through
    await ask("single", 1)
    await large
    assert finished == ["single", "large"]


async def test_large_batches_are_worked_through_in_the_order_they_came() -> None:
    coalescer = ForwardCoalescer(CountingForward(), slice_rows=10)
    finished: list[str] = []

    async def ask(name: str, count: int) -> None:
        await coalescer.run(*students(count))
        finished.append(name)

    loop = asyncio.get_running_loop()
    first = loop.create_task(ask("first", 60))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    second = loop.create_task(ask("second", 30))
    await asyncio.gather(first, second)
    assert finished == ["first", "second"]


async def test_a_failing_slice_fails_the_requests_not_yet_answered() -> None:
    def forward(histories: Sequence[Sequence[float]], groups: Sequence[object]) -> list:
        if any(history[0] >= 15 for history in histories):
            raise RuntimeError("the module failed")
        return [0.0] * len(histories)

    coalescer = ForwardCoalescer(forward, slice_rows=10)
    early = coalescer.run(*students(10))  # its slice runs before the failing one
    late = coalescer.run(*students(10, first=10))
    results = await asyncio.gather(early, late, return_exceptions=True)
    assert results[0] == [0.0] * 10
    assert isinstance(results[1], RuntimeError)


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return load_predictor(MODEL_PATH)


async def test_explanations_in_slices_equal_those_of_one_pass(predictor: Predictor) -> None:
    codes = list(predictor.card.group.codes)
    histories = [[5.0 + (n % 40) / 10, 6.0, 7.5, 8.0][: 1 + n % 4] for n in range(300)]
    groups: list[object] = [codes[n % len(codes)] if n % 5 else None for n in range(300)]
    whole = predictor.explain(histories, groups)
    sliced = await ForwardCoalescer(
        predictor.explain, row_cost=predictor.explanation_rows, slice_rows=256
    ).run(histories, groups)
    assert len(sliced) == len(whole)
    for one, other in zip(whole, sliced, strict=True):
        # Rows of another pass differ only in the last bits of a float64.
        assert other.baseline == pytest.approx(one.baseline, abs=1e-9)
        assert other.predicted == pytest.approx(one.predicted, abs=1e-9)
        assert [name for name, _ in other.contributions] == [name for name, _ in one.contributions]
        assert [value for _, value in other.contributions] == pytest.approx(
            [value for _, value in one.contributions], abs=1e-9
        )
