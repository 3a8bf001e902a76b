"""The models a worker holds (app/model/registry.py), on real checkpoints: a reload verifies
before it swaps, refuses without changing anything, keeps the model it replaced for a
rollback, runs one at a time, and never holds up the event loop while it loads.

New versions are derived from the committed checkpoint (harness/checkpoints.py): valid
checkpoints with their own sha256, version and golden examples.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.model.predictor import Predictor, load_predictor
from app.model.registry import ModelRegistry, Outcome
from harness.checkpoints import copy_checkpoint, damage_checkpoint, derived_checkpoint
from tests.conftest import MODEL_PATH

COMMITTED = load_predictor(MODEL_PATH)
COMMITTED_VERSION = COMMITTED.card.model_version


def accept_any(predictor: Predictor) -> None:
    return None


@pytest.fixture
def registry(model_copy: Path) -> ModelRegistry:
    """A registry serving a copy of the committed checkpoint, as startup leaves it."""
    registry = ModelRegistry(model_copy, accept_any)
    registry.start(load_predictor(model_copy))
    return registry


def serving(registry: ModelRegistry) -> list[str]:
    return list(registry.versions())


def test_startup_serves_one_model_with_nothing_to_roll_back_to(registry: ModelRegistry) -> None:
    assert serving(registry) == [COMMITTED_VERSION]
    outcome = asyncio.run(registry.rollback())
    assert (outcome.outcome, outcome.message) == (
        "no_previous",
        "no previous model to roll back to",
    )
    assert serving(registry) == [COMMITTED_VERSION]


def test_reloading_the_same_files_changes_nothing(registry: ModelRegistry) -> None:
    active = registry.active
    outcome = asyncio.run(registry.reload())
    assert outcome.outcome == "unchanged"
    assert outcome.message == f"{registry.path}: already serving {COMMITTED_VERSION}"
    assert registry.active is active and registry.previous is None


def test_a_new_version_is_swapped_in_and_the_old_one_kept_for_a_rollback(
    registry: ModelRegistry, model_copy: Path
) -> None:
    old_predictor = registry.active.predictor
    new = derived_checkpoint(MODEL_PATH, model_copy, nudge=0.05)

    loaded = asyncio.run(registry.reload())
    assert (loaded.outcome, loaded.message) == ("loaded", f"{model_copy}: now serving {new}")
    assert loaded.active is registry.active
    assert serving(registry) == [new, COMMITTED_VERSION]  # the active one first
    # A request that started on the old model still holds a working predictor.
    student = ([[7.1, 7.4, 7.9]], [165])
    assert old_predictor.forecast_batch(*student) == COMMITTED.forecast_batch(*student)
    assert registry.active.predictor.forecast_batch(*student) != COMMITTED.forecast_batch(*student)

    rolled = asyncio.run(registry.rollback())
    assert (rolled.outcome, rolled.message) == (
        "rolled_back",
        f"rolled back to {COMMITTED_VERSION}",
    )
    assert serving(registry) == [COMMITTED_VERSION, new]
    assert registry.active.predictor is old_predictor
    # Rolling back again is rolling forward: the two swap once more.
    assert asyncio.run(registry.rollback()).outcome == "rolled_back"
    assert serving(registry) == [new, COMMITTED_VERSION]


def test_a_damaged_checkpoint_is_refused_and_nothing_changes(
    registry: ModelRegistry, model_copy: Path
) -> None:
    active = registry.active
    damage_checkpoint(model_copy)
    outcome = asyncio.run(registry.reload())
    assert outcome.outcome == "refused"
    assert str(model_copy) in outcome.message and "sha256" in outcome.message
    assert outcome.active is active
    assert registry.active is active and registry.previous is None
    copy_checkpoint(MODEL_PATH, model_copy)  # repaired: the same model again
    assert asyncio.run(registry.reload()).outcome == "unchanged"


def test_a_verified_model_the_service_does_not_accept_is_refused(model_copy: Path) -> None:
    def not_this_one(predictor: Predictor) -> str | None:
        if predictor.card.model_version == COMMITTED_VERSION:
            return None
        return "other request limits"

    registry = ModelRegistry(model_copy, not_this_one)
    registry.start(load_predictor(model_copy))
    derived_checkpoint(MODEL_PATH, model_copy, nudge=0.05)
    outcome = asyncio.run(registry.reload())
    assert (outcome.outcome, outcome.message) == ("refused", f"{model_copy}: other request limits")
    assert serving(registry) == [COMMITTED_VERSION]


def test_reloads_asked_for_together_run_one_at_a_time(
    registry: ModelRegistry, model_copy: Path
) -> None:
    """The second waits for the first, then finds its model already serving."""
    new = derived_checkpoint(MODEL_PATH, model_copy, nudge=0.05)

    async def twice() -> list[Outcome]:
        return await asyncio.gather(registry.reload(), registry.reload())

    outcomes = asyncio.run(twice())
    assert [outcome.outcome for outcome in outcomes] == ["loaded", "unchanged"]
    assert serving(registry) == [new, COMMITTED_VERSION]


def test_the_event_loop_goes_on_while_a_model_loads(
    registry: ModelRegistry, model_copy: Path
) -> None:
    """Loading and verifying runs in a thread: other coroutines run meanwhile."""
    derived_checkpoint(MODEL_PATH, model_copy, nudge=0.05)
    happened: list[str] = []

    async def reload() -> None:
        await registry.reload()
        happened.append("reloaded")

    async def answer_meanwhile() -> None:
        await asyncio.sleep(0)
        happened.append("answered")

    async def both() -> None:
        await asyncio.gather(reload(), answer_meanwhile())

    asyncio.run(both())
    assert happened == ["answered", "reloaded"]
