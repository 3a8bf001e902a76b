"""The risk of falling below a cut-off, from the conformal predictive distribution."""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import NormalDist

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.model.risk import RiskModel

# Not imported from tests/conftest.py: that pulls in the whole app factory, and these modules
# are pure (app/model imports nothing of HTTP).
MODEL_PATH = Path(__file__).resolve().parents[3] / "models" / "cgpa_rnn.pt"

SCALE = (0.0, 10.0)

residual_lists = st.lists(st.floats(-4, 4, allow_nan=False), min_size=1, max_size=40).map(sorted)
predictions = st.floats(*SCALE)
# Past both ends of the scale on purpose: the answer must stay defined and monotone there.
cutoffs = st.floats(-2.0, 12.0)
# As in the rest of the suite: the same examples every run, and no per-example time limit.
PROPERTIES = settings(deadline=None, derandomize=True)


def conformal_half_width(residuals: list[float], level: float) -> float:
    """The interval's half-width as training computes it: the ceil((n + 1) * level)-th
    smallest absolute residual (training/calibrate.py, restated, since tests/app may not
    lean on training/)."""
    ordered = sorted(map(abs, residuals))
    return ordered[min(math.ceil((len(ordered) + 1) * level), len(ordered)) - 1]


def normal_residuals(count: int, spread: float) -> list[float]:
    """Evenly spaced quantiles of a normal distribution: a residual set with no sampling noise."""
    normal = NormalDist(0.0, spread)
    return [normal.inv_cdf((rank + 0.5) / count) for rank in range(count)]


@PROPERTIES
@given(residual_lists, predictions, cutoffs)
def test_the_probability_is_between_zero_and_one(
    residuals: list[float], predicted: float, cutoff: float
) -> None:
    [probability] = RiskModel({1: residuals}, SCALE).probability_below([predicted], [1], cutoff)
    assert 0.0 <= probability <= 1.0


@PROPERTIES
@given(residual_lists, predictions, cutoffs, cutoffs)
def test_the_probability_never_falls_as_the_cutoff_rises(
    residuals: list[float], predicted: float, one: float, other: float
) -> None:
    lower, higher = sorted((one, other))
    model = RiskModel({1: residuals}, SCALE)
    [at_lower, at_higher] = model.probability_below([predicted] * 2, [1, 1], [lower, higher])
    assert at_lower <= at_higher


@PROPERTIES
@given(residual_lists, predictions, cutoffs)
def test_below_and_above_share_out_every_slot_inside_the_scale(
    residuals: list[float], predicted: float, cutoff: float
) -> None:
    """The tie-breaker 1/2 makes P(Y < c) + P(Y > c) = 1. P(Y > c) is the same rule on the
    mirrored problem (residuals, prediction, cut-off and scale negated: negation is exact in
    floating point, a shift by 10 would not be)."""
    if not SCALE[0] < cutoff < SCALE[1]:
        return
    below = RiskModel({1: residuals}, SCALE).probability_below([predicted], [1], cutoff)[0]
    mirrored = RiskModel({1: [-value for value in residuals]}, (-SCALE[1], -SCALE[0]))
    above = mirrored.probability_below([-predicted], [1], -cutoff)[0]
    assert below + above == pytest.approx(1.0, abs=1e-12)


def test_no_grade_is_below_the_scale_and_every_grade_is_below_past_its_top() -> None:
    model = RiskModel({1: [-9.0, 0.0, 9.0]}, SCALE)
    assert model.probability_below([5.0, 5.0, 5.0], [1, 1, 1], [-1.0, 0.0, -math.inf]) == [0] * 3
    assert model.probability_below([5.0, 5.0], [1, 1], [10.000001, math.inf]) == [1.0, 1.0]
    # At the top of the scale itself a grade of 10 is still possible: not certain.
    assert model.probability_below([5.0], [1], 10.0)[0] < 1.0


def test_inside_the_scale_neither_certainty_nor_impossibility_is_claimed() -> None:
    residuals = [-0.5, 0.0, 0.5]
    model = RiskModel({1: residuals}, SCALE)
    far_below, far_above = model.probability_below([9.9, 0.1], [1, 1], [0.01, 9.99])
    assert far_below == pytest.approx(0.5 / (len(residuals) + 1))
    assert far_above == pytest.approx(1 - 0.5 / (len(residuals) + 1))


def test_the_exact_formula_on_a_small_case() -> None:
    """(below + (tied + 1) / 2) / (n + 1), prediction 7, residuals -1, -0.5, -0.5, 1: below
    all; tied with -1; tied with both -0.5s; between -0.5 and 1."""
    model = RiskModel({2: [-1.0, -0.5, -0.5, 1.0]}, SCALE)
    got = model.probability_below([7.0] * 4, [2] * 4, [5.0, 6.0, 6.5, 6.75])
    assert got == pytest.approx([0.5 / 5, 1 / 5, 2.5 / 5, 3.5 / 5])


def test_about_five_percent_fall_below_a_symmetric_ninety_percent_interval() -> None:
    residuals = normal_residuals(999, 0.45)
    half_width = conformal_half_width(residuals, 0.9)
    model = RiskModel({3: residuals}, SCALE)
    below_low, below_high = model.probability_below(
        [7.0, 7.0], [3, 3], [7 - half_width, 7 + half_width]
    )
    slot = 1 / (len(residuals) + 1)
    assert below_low == pytest.approx(0.05, abs=2 * slot)
    assert 1 - below_high == pytest.approx(0.05, abs=2 * slot)


def test_a_skewed_residual_set_still_leaves_one_minus_the_level_outside_the_interval() -> None:
    # More large shortfalls than large surprises: the tails differ, their sum does not.
    residuals = sorted(
        [value * (1.8 if value < 0 else 0.6) for value in normal_residuals(500, 0.4)]
    )
    half_width = conformal_half_width(residuals, 0.9)
    model = RiskModel({1: residuals}, SCALE)
    below_low, below_high = model.probability_below(
        [6.0, 6.0], [1, 1], [6 - half_width, 6 + half_width]
    )
    assert below_low > 0.07
    assert below_low + (1 - below_high) == pytest.approx(0.1, abs=3 / (len(residuals) + 1))


@PROPERTIES
@given(
    st.lists(st.tuples(predictions, st.integers(1, 3), cutoffs), min_size=1, max_size=20),
)
def test_a_batch_gives_what_each_student_gets_alone(
    students: list[tuple[float, int, float]],
) -> None:
    model = RiskModel({1: [-0.4, 0.1, 0.3], 2: [-0.2, 0.0, 0.2, 0.5], 3: [0.05]}, SCALE)
    predicted, lengths, limits = map(list, zip(*students, strict=True))
    batch = model.probability_below(predicted, lengths, limits)
    alone = [model.probability_below([p], [n], c)[0] for p, n, c in students]
    assert batch == alone


def test_one_cutoff_for_everyone_is_the_same_as_one_each() -> None:
    model = RiskModel({1: [-0.4, 0.1, 0.3]}, SCALE)
    assert model.probability_below([6.0, 7.0], [1, 1], 6.5) == model.probability_below(
        [6.0, 7.0], [1, 1], [6.5, 6.5]
    )


def test_a_length_without_residuals_borrows_the_pooled_ones() -> None:
    model = RiskModel({1: [-1.0, 1.0], 2: [0.0], 3: []}, SCALE)
    assert model.residuals_for(3) == [-1.0, 0.0, 1.0]
    assert model.residuals_for(7) == [-1.0, 0.0, 1.0]
    assert model.residuals_for(2) == [0.0]


def test_unsorted_residuals_are_sorted_rather_than_miscounted() -> None:
    assert RiskModel({1: [0.3, -0.2, 0.1]}, SCALE).residuals_for(1) == [-0.2, 0.1, 0.3]


@pytest.mark.parametrize(
    ("residuals", "scale"),
    [({1: []}, SCALE), ({1: [math.nan]}, SCALE), ({1: [0.0]}, (10.0, 0.0))],
)
def test_an_unusable_card_is_refused(residuals: dict[int, list[float]], scale: tuple) -> None:
    with pytest.raises(ValueError):
        RiskModel(residuals, scale)


def test_a_nan_cutoff_or_mismatched_lengths_are_refused() -> None:
    model = RiskModel({1: [0.0]}, SCALE)
    with pytest.raises(ValueError, match="NaN"):
        model.probability_below([7.0], [1], math.nan)
    with pytest.raises(ValueError, match="one entry per student"):
        model.probability_below([7.0, 8.0], [1], 6.5)
    with pytest.raises(ValueError, match="one entry per student"):
        model.probability_below([7.0, 8.0], [1, 1], 6.5, [0])


def test_a_student_of_a_cell_that_is_its_own_reads_that_cell() -> None:
    """The risk uses the interval's cell: a group's own residuals at that length, else the
    length's pooled ones (an unknown group, -1, and any other index too)."""
    pooled, narrow = normal_residuals(200, 1.0), normal_residuals(40, 0.2)
    model = RiskModel({1: pooled, 2: pooled}, SCALE, {(1, 0): narrow})
    assert model.residuals_for(1, 0) == narrow
    assert model.residuals_for(2, 0) == model.residuals_for(1, 1) == pooled
    assert model.residuals_for(1, -1) == model.residuals_for(1) == pooled
    groups = [0, 1, -1, 7]
    cell, other, unknown, outside = model.probability_below([7.0] * 4, [1] * 4, 6.5, groups)
    # Half a grade below the prediction: 2.5 spreads of the narrow cell, half of the pooled.
    assert cell < 0.02 and other == unknown == outside > 0.25
    assert model.probability_below([7.0], [1], 6.5) == [other]


def test_the_committed_card_agrees_with_its_own_interval() -> None:
    """Runs on a format 2 or 3 card (both carry residuals_by_length); a format 3 card's own
    cells must agree with their half-widths too."""
    raw = json.loads(MODEL_PATH.with_suffix(".json").read_text())
    if raw.get("format_version") not in (2, 3, 4):
        pytest.skip("the committed card has no residuals_by_length")
    from app.model.card import ModelCard

    card = ModelCard.read(MODEL_PATH.with_suffix(".json"))
    model = RiskModel.from_card(card)
    low, high = card.scale
    centre = (low + high) * 0.7  # away from both ends, so the clamp plays no part
    for length, half_width in card.interval.half_width_by_length.items():
        count = len(model.residuals_for(length))
        below_low, below_high = model.probability_below(
            [centre, centre], [length, length], [centre - half_width, centre + half_width]
        )
        outside = below_low + (1 - below_high)
        # Sub-sampled residuals (at most 1000) and float32 half-widths: a few slots of slack.
        assert outside == pytest.approx(1 - card.interval.level, abs=3 / (count + 1) + 0.01)
    position = {code: index for index, code in enumerate(card.group.codes)}
    for cell in card.interval.group_cells:
        group = position[cell.group]
        below_low, below_high = model.probability_below(
            [centre, centre],
            [cell.length, cell.length],
            [centre - cell.half_width, centre + cell.half_width],
            [group, group],
        )
        outside = below_low + (1 - below_high)
        count = len(cell.residuals)
        assert outside == pytest.approx(1 - card.interval.level, abs=3 / (count + 1) + 0.01)
