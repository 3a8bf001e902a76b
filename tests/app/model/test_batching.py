"""The coalescer (app/model/batching.py) on the committed checkpoint: the requests of one
event-loop turn share one forward pass, each gets exactly its own answers, identical to a
pass of its own, and a failure or a cancellation touches only what it should.

The forward pass is always the real predictor's; where a test must count passes, it wraps
that function, it does not replace it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

import pytest

from app.model.batching import ForwardCoalescer
from app.model.predictor import Forecast, load_predictor
from tests.conftest import MODEL_PATH

PREDICTOR = load_predictor(MODEL_PATH)
COLLEGES = [*PREDICTOR.card.group.codes, None, 999_999]  # known, none, unknown


def random_students(count: int, seed: int) -> list[tuple[list[float], object]]:
    rng = random.Random(seed)
    return [
        (
            [
                round(rng.uniform(0, 10), 2)
                for _ in range(rng.randint(1, PREDICTOR.card.max_history))
            ],
            rng.choice(COLLEGES),
        )
        for _ in range(count)
    ]


class CountedPasses:
    """The predictor's own forward pass, noting the rows of each call."""

    def __init__(self) -> None:
        self.rows: list[int] = []

    def __call__(self, histories: Sequence[Sequence[float]], colleges: Sequence[object]) -> list:
        self.rows.append(len(histories))
        return PREDICTOR.forecast_batch(histories, colleges)


def alone(history: list[float], college: object) -> Forecast:
    return PREDICTOR.forecast_batch([history], [college])[0]


def test_requests_of_one_loop_turn_share_one_forward_pass() -> None:
    passes = CountedPasses()
    coalescer = ForwardCoalescer(passes)
    students = random_students(7, seed=1)

    async def together() -> list:
        singles = [coalescer.run([history], [college]) for history, college in students[:5]]
        batch = coalescer.run(
            [history for history, _ in students[5:]], [college for _, college in students[5:]]
        )
        return await asyncio.gather(*singles, batch)

    *singles, batch = asyncio.run(together())
    assert passes.rows == [7]
    assert [answer for (answer,) in singles] == [alone(*student) for student in students[:5]]
    assert batch == [alone(*student) for student in students[5:]]


def test_a_lone_request_is_answered_and_later_turns_get_passes_of_their_own() -> None:
    passes = CountedPasses()
    coalescer = ForwardCoalescer(passes)

    async def one_then_two() -> tuple[list, list]:
        first = await coalescer.run([[7.1, 7.4]], [165])
        second = await asyncio.gather(
            coalescer.run([[6.0]], [None]), coalescer.run([[8.0, 8.5, 9.0]], [115])
        )
        return first, second

    first, second = asyncio.run(one_then_two())
    assert passes.rows == [1, 2]
    assert first == [alone([7.1, 7.4], 165)]
    assert second == [[alone([6.0], None)], [alone([8.0, 8.5, 9.0], 115)]]


def test_coalesced_forecasts_equal_one_at_a_time_forecasts() -> None:
    """Hundreds of requests in one pass, singles and a batch: each answer (rounded values,
    semester, college known, unusual grades) is the one a pass of its own gives."""
    students = random_students(300, seed=3)
    coalescer = PREDICTOR.forecast_coalescer

    async def all_at_once() -> list:
        return await asyncio.gather(
            *(coalescer.run([history], [college]) for history, college in students),
            coalescer.run(
                [history for history, _ in students[:50]],
                [college for _, college in students[:50]],
            ),
        )

    *singles, batch = asyncio.run(all_at_once())
    coalesced = [forecast for (forecast,) in singles]
    assert batch == coalesced[:50]
    assert coalesced == [alone(*student) for student in students]


def test_a_failing_pass_fails_every_request_in_it_and_the_next_pass_works() -> None:
    """A college code the predictor cannot look up (a list) makes the real pass raise."""
    coalescer = PREDICTOR.forecast_coalescer

    async def failing_then_fine() -> tuple[list, list]:
        failed = await asyncio.gather(
            coalescer.run([[7.0]], [165]),
            coalescer.run([[6.0]], [[165]]),
            return_exceptions=True,
        )
        fine = await coalescer.run([[7.0]], [165])
        return failed, fine

    failed, fine = asyncio.run(failing_then_fine())
    assert [type(outcome) for outcome in failed] == [TypeError, TypeError]
    assert fine == [alone([7.0], 165)]


def test_a_cancelled_request_leaves_the_others_their_answers() -> None:
    """A client that goes away cancels its wait; the pass still runs for the rest."""
    coalescer = PREDICTOR.forecast_coalescer

    async def one_cancelled() -> tuple[list, list, asyncio.Task]:
        first = asyncio.ensure_future(coalescer.run([[7.0]], [165]))
        gone = asyncio.ensure_future(coalescer.run([[5.0, 5.5]], [None]))
        last = asyncio.ensure_future(coalescer.run([[9.0, 8.0]], [241]))
        await asyncio.sleep(0)  # each task joins the waiting list
        gone.cancel()
        return await first, await last, gone

    first, last, gone = asyncio.run(one_cancelled())
    assert gone.cancelled()
    assert first == [alone([7.0], 165)]
    assert last == [alone([9.0, 8.0], 241)]


def test_coalesced_explanations_equal_one_at_a_time_explanations() -> None:
    students = random_students(40, seed=4)

    async def all_at_once() -> list:
        return await asyncio.gather(
            *(
                PREDICTOR.explanation_coalescer.run([history], [college])
                for history, college in students
            )
        )

    together = [explanation for (explanation,) in asyncio.run(all_at_once())]
    for (history, college), explanation in zip(students, together, strict=True):
        (own,) = PREDICTOR.explain([history], [college])
        assert explanation.baseline == pytest.approx(own.baseline, abs=1e-12)
        assert explanation.predicted == pytest.approx(own.predicted, abs=1e-9)
        assert [value for _, value in explanation.contributions] == pytest.approx(
            [value for _, value in own.contributions], abs=1e-9
        )
