"""Exact Shapley explanations: additivity, agreement with brute force, batch against singles."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor, nn

from app.model.explain import (
    GROUP_INPUT,
    UNKNOWN_GROUP,
    Explainer,
    coalition_rows,
    coalitions,
)

# Not imported from tests/conftest.py: that pulls in the whole app factory, and these modules
# are pure (app/model imports nothing of HTTP).
MODEL_PATH = Path(__file__).resolve().parents[3] / "models" / "cgpa_rnn.pt"

REFERENCE = [6.8, 7.0, 7.1, 7.3]


class InteractingModel(nn.Module):
    """A stand-in with the module's contract and every kind of interaction: grades with each
    other (a product, a tanh), the group with the last grade, a clamp that binds at the top.
    It reads each row only up to its length, as the real module does."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("weights", torch.tensor([0.2, 0.3, 0.1, 0.4], dtype=torch.float64))
        # Slot 0 is the unknown group (index -1), as in the real module.
        self.register_buffer("offsets", torch.tensor([0.0, 0.6, -0.4], dtype=torch.float64))

    def forward(self, grades: Tensor, lengths: Tensor, group_indexes: Tensor) -> Tensor:
        steps = grades.size(1)
        present = torch.arange(steps).unsqueeze(0) < lengths.unsqueeze(1)
        grades = torch.where(present, grades, torch.zeros_like(grades))
        last = grades.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)
        linear = (grades * self.weights[:steps]).sum(1)
        bend = torch.tanh(grades[:, 0] - 7.0) * last * 0.3 + 0.02 * grades[:, 0] * last
        group = self.offsets[group_indexes + 1] * (1.0 + 0.1 * last)
        predicted = (1.5 + linear + bend + group).clamp(0.0, 10.0)
        return torch.stack([predicted, (predicted - 0.8).clamp(0.0, 10.0), predicted + 0.8], 1)


@pytest.fixture(scope="module")
def scripted() -> torch.jit.ScriptModule:
    return torch.jit.script(InteractingModel().eval())


def prediction(forward, history: Sequence[float], group: int) -> float:
    with torch.inference_mode():
        out = forward(
            torch.tensor([list(history)], dtype=torch.float64),
            torch.tensor([len(history)]),
            torch.tensor([group]),
        )
    return float(out[0, 0])


def brute_force_shapley(
    forward, history: Sequence[float], group: int, reference: Sequence[float]
) -> list[float]:
    """The textbook definition, written independently: the average over every order of the
    players of each one's marginal contribution, one forward call per coalition."""
    players = len(history) + 1

    def value(coalition: frozenset[int]) -> float:
        grades = [history[i] if i in coalition else reference[i] for i in range(len(history))]
        return prediction(forward, grades, group if len(history) in coalition else UNKNOWN_GROUP)

    totals = [0.0] * players
    orders = list(itertools.permutations(range(players)))
    for order in orders:
        joined: frozenset[int] = frozenset()
        for player in order:
            totals[player] += value(joined | {player}) - value(joined)
            joined = joined | {player}
    return [total / len(orders) for total in totals]


def test_the_table_covers_every_coalition_and_its_weights_are_shapleys() -> None:
    table = coalitions(3)
    assert table.members.shape == (8, 3)
    assert {tuple(row) for row in table.members.tolist()} == set(
        itertools.product([False, True], repeat=3)
    )
    # A constant game gives nobody anything: each player's weights sum to zero.
    assert table.weights.sum(0).tolist() == pytest.approx([0.0] * 3, abs=1e-15)
    # Efficiency: summed over the players, +1 on everyone, -1 on nobody, 0 elsewhere.
    assert table.weights.sum(1).tolist() == pytest.approx([-1, 0, 0, 0, 0, 0, 0, 1], abs=1e-15)


@pytest.mark.parametrize(
    ("history", "group"),
    [([9.5], 1), ([5.0, 8.5], 0), ([6.2, 9.9, 4.1], 1), ([8.0, 8.5, 9.0, 9.8], 0)],
)
def test_the_values_are_the_brute_force_shapley_values(
    scripted: torch.jit.ScriptModule, history: list[float], group: int
) -> None:
    [explanation] = Explainer(scripted, REFERENCE).explain([history], [group])
    expected = brute_force_shapley(scripted, history, group, REFERENCE)
    assert [value for _, value in explanation.contributions] == pytest.approx(expected, abs=1e-12)
    assert [name for name, _ in explanation.contributions] == [
        *(f"grades[{i}]" for i in range(len(history))),
        GROUP_INPUT,
    ]


def test_the_baseline_is_the_reference_student(scripted: torch.jit.ScriptModule) -> None:
    [explanation] = Explainer(scripted, REFERENCE).explain([[9.0, 3.0]], [1])
    assert explanation.baseline == prediction(scripted, REFERENCE[:2], UNKNOWN_GROUP)


def test_no_group_is_a_null_player_worth_exactly_zero(scripted: torch.jit.ScriptModule) -> None:
    [explanation] = Explainer(scripted, REFERENCE).explain([[8.0, 6.0, 9.0]], [UNKNOWN_GROUP])
    assert explanation.contributions[-1] == (GROUP_INPUT, 0.0)
    expected = brute_force_shapley(scripted, [8.0, 6.0, 9.0], UNKNOWN_GROUP, REFERENCE)
    assert [value for _, value in explanation.contributions] == pytest.approx(expected, abs=1e-12)


students = st.lists(
    st.tuples(
        st.lists(st.floats(0, 10), min_size=1, max_size=4),
        st.sampled_from([UNKNOWN_GROUP, 0, 1]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(students)
def test_the_values_add_up_to_the_served_prediction_and_a_batch_equals_singles(
    scripted: torch.jit.ScriptModule, batch: list[tuple[list[float], int]]
) -> None:
    explainer = Explainer(scripted, REFERENCE)
    histories = [history for history, _ in batch]
    groups = [group for _, group in batch]
    together = explainer.explain(histories, groups)
    for (history, group), explanation in zip(batch, together, strict=True):
        served = prediction(scripted, history, group)
        total = explanation.baseline + math.fsum(value for _, value in explanation.contributions)
        assert total == pytest.approx(served, abs=1e-9)
        assert explanation.predicted == pytest.approx(served, abs=1e-12)
        [alone] = explainer.explain([history], [group])
        assert alone.baseline == pytest.approx(explanation.baseline, abs=1e-12)
        assert [v for _, v in alone.contributions] == pytest.approx(
            [v for _, v in explanation.contributions], abs=1e-12
        )


def test_the_rows_a_batch_costs_are_counted_before_it_runs() -> None:
    # 2^(L + 1) with a group, 2^L without: four grades and a code, one grade and none.
    assert coalition_rows([4, 1], [0, UNKNOWN_GROUP]) == 32 + 2


def test_an_empty_batch_and_a_history_too_long_for_the_reference(
    scripted: torch.jit.ScriptModule,
) -> None:
    explainer = Explainer(scripted, REFERENCE[:2])
    assert explainer.explain([], []) == []
    with pytest.raises(ValueError, match="history lengths"):
        explainer.explain([[7.0, 7.0, 7.0]], [0])


def committed_checkpoint() -> tuple[torch.jit.ScriptModule, dict]:
    module = torch.jit.load(str(MODEL_PATH), map_location="cpu").eval()
    return module, json.loads(MODEL_PATH.with_suffix(".json").read_text())


def test_the_committed_module_is_explained_exactly_whatever_its_card_format() -> None:
    """Additivity and brute force on the real network, with a stand-in reference. A format 1
    module takes raw college codes (any unknown one, -1 included, is its unknown slot), a
    format 2 module takes indexes into the card's codes: -1 means the unknown slot in both."""
    module, card = committed_checkpoint()
    known = card["colleges"][0] if card["format_version"] == 1 else 0
    reference = [7.0] * card["max_history"]
    explainer = Explainer(module, reference)
    histories = [[7.1, 7.4, 7.9, 8.0], [5.5], [8.2, 6.0, 9.1], [6.0, 6.5]]
    groups = [known, known, UNKNOWN_GROUP, known]
    explanations = explainer.explain(histories, groups)
    for history, group, explanation in zip(histories, groups, explanations, strict=True):
        served = prediction(module, history, group)
        total = explanation.baseline + sum(value for _, value in explanation.contributions)
        assert total == pytest.approx(served, abs=1e-9)
    expected = brute_force_shapley(module, histories[0], known, reference)
    values = [value for _, value in explanations[0].contributions]
    assert values == pytest.approx(expected, abs=1e-9)


def test_the_committed_module_against_its_cards_reference() -> None:
    """Runs on a format 2 or 3 card (both have grade_mean_by_position)."""
    module, raw = committed_checkpoint()
    if raw.get("format_version") not in (2, 3, 4):
        pytest.skip("the committed card has no grade_mean_by_position")
    from app.model.card import ModelCard

    card = ModelCard.read(MODEL_PATH.with_suffix(".json"))
    explainer = Explainer.from_card(module, card)
    longest = card.max_history
    histories = [[7.5] * length for length in range(1, longest + 1)]
    groups = [0 if card.group.codes else UNKNOWN_GROUP] * longest
    for history, group, explanation in zip(
        histories, groups, explainer.explain(histories, groups), strict=True
    ):
        served = prediction(module, history, group)
        total = explanation.baseline + sum(value for _, value in explanation.contributions)
        assert total == pytest.approx(served, abs=1e-9)
        assert explanation.baseline == pytest.approx(
            prediction(module, card.grade_mean_by_position[: len(history)], UNKNOWN_GROUP),
            abs=1e-9,
        )
