"""The risk of falling below a cut-off: P(next grade < c), from the model's conformal
predictive distribution.

The card carries, per history length, the signed out-of-fold residuals r_1 <= ... <= r_n
(target - served prediction) that the interval was calibrated on. With a prediction p, the
next grade is modelled as Y = clamp(p + R, low, high), R drawn from those residuals, and

    P(Y < c) = 0                                    if c <= low (no grade is below the scale)
             = 1                                    if c >  high
             = (#{i: r_i < c - p} + (#{i: r_i = c - p} + 1) / 2) / (n + 1)   otherwise.

The last line is Vovk's split conformal predictive distribution with its random tie-breaker
tau fixed at 1/2. The randomised version, Q(y, tau) = (#{r_i < y - p} + tau * (#{r_i = y - p}
+ 1)) / (n + 1), is exactly uniform at the true grade under exchangeability; tau = 1/2 is the
midpoint of the band [Q(., 0), Q(., 1)] that every tau lies in, and the one choice for which
P(Y < c) + P(Y > c) = 1 for every c inside the scale (the rule read from the other side shares
out the same n + 1 slots), so "risk below" and a future "chance above" never disagree. It is
non-decreasing in c by construction (counts only grow as c - p grows), lies in
[1/(2(n+1)), 1 - 1/(2(n+1))] inside the scale (n students never seen so low are not proof that
nobody will be), and it agrees with the interval: its half-width q is the ceil((n+1) * level)-th
smallest |r_i|, so P(Y < p - q) + P(Y > p + q) is #{|r_i| > q} / (n+1) up to the tie-breakers,
about 1 - level, split between the two tails as the residuals are (about 5% each for a
symmetric 90% interval).

The residuals were taken against the clamped prediction (the served column 0), so that is the
`p` to pass. A length without residuals borrows the pooled residuals of every length, the
fallback `training/model/calibrate.py` uses for the interval's half-width.

The residuals are those of the student's cell, the one the interval was calibrated on
(#27): the (history length, group) cell when the card has it as its own
(`interval.group_cells`), else the length's residuals pooled over every group, which is also
what a student without a known group gets.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.model.card import ModelCard


class RiskModel:
    """P(next grade < cut-off) per student; built once from the card, then pure arithmetic."""

    def __init__(
        self,
        residuals_by_length: Mapping[int, Sequence[float]],
        scale: tuple[float, float],
        residuals_by_cell: Mapping[tuple[int, int], Sequence[float]] | None = None,
    ) -> None:
        """`residuals_by_cell`: (history length, group index) -> that cell's residuals, for
        the cells that are their own; any other student reads its length's."""
        low, high = scale
        if not low < high:
            raise ValueError(f"grade scale {scale} is empty")
        self.low = float(low)
        self.high = float(high)
        # Sorted here rather than trusted: the card says ascending, and bisect silently
        # gives wrong counts on an unsorted list.
        by_length = {
            int(length): sorted(map(float, residuals))
            for length, residuals in residuals_by_length.items()
        }
        pooled = sorted(value for residuals in by_length.values() for value in residuals)
        if not pooled or not all(map(math.isfinite, pooled)):
            raise ValueError("the residuals must be finite, and at least one length must have some")
        self.pooled = pooled
        self.residuals_by_length = {length: r or pooled for length, r in by_length.items()}
        by_cell = {
            (int(length), int(group)): sorted(map(float, residuals))
            for (length, group), residuals in (residuals_by_cell or {}).items()
        }
        if not all(
            residuals and all(map(math.isfinite, residuals)) for residuals in by_cell.values()
        ):
            raise ValueError("a group cell's residuals must be finite and not empty")
        self.residuals_by_cell = by_cell

    @classmethod
    def from_card(cls, card: ModelCard) -> RiskModel:
        position = {code: index for index, code in enumerate(card.group.codes)}
        cells = {
            (cell.length, position[cell.group]): cell.residuals
            for cell in card.interval.group_cells
        }
        return cls(card.interval.residuals_by_length, card.scale, cells)

    def residuals_for(self, length: int, group_index: int = -1) -> list[float]:
        """The cell's own residuals, else the length's pooled (an unknown group's index, -1
        or any index that is no cell, falls back too)."""
        cell = self.residuals_by_cell.get((length, group_index))
        return cell if cell is not None else self.residuals_by_length.get(length, self.pooled)

    def probability_below(
        self,
        predicted: Sequence[float],
        lengths: Sequence[int],
        cutoff: float | Sequence[float],
        group_indexes: Sequence[int] | None = None,
    ) -> list[float]:
        """P(Y < cut-off) per student. `predicted` is the served prediction column unrounded
        (clamped, as the residuals were taken); `cutoff` is one value for all or one each;
        `group_indexes` as the module takes them (None: every student without a group).

        Two bisections per student on a list of at most 1000: for one student far cheaper than
        building tensors for `torch.searchsorted`, and about as fast for a batch of 1000.
        """
        cutoffs = (
            [float(cutoff)] * len(predicted) if isinstance(cutoff, int | float) else list(cutoff)
        )
        groups = [-1] * len(predicted) if group_indexes is None else group_indexes
        if not len(predicted) == len(lengths) == len(cutoffs) == len(groups):
            raise ValueError(
                "predicted, lengths, cutoffs and group indexes must have one entry per student"
            )
        if any(map(math.isnan, cutoffs)):
            raise ValueError("a cut-off is NaN")
        low, high = self.low, self.high
        # `residuals_for`, inlined: a method call per student is a measurable share of a
        # batch's risk; a cell, when it is one, is never empty.
        by_cell, by_length, pooled = self.residuals_by_cell, self.residuals_by_length, self.pooled
        answers: list[float] = []
        for prediction, length, limit, group in zip(
            predicted, lengths, cutoffs, groups, strict=True
        ):
            if limit <= low:
                answers.append(0.0)
            elif limit > high:
                answers.append(1.0)
            else:
                residuals = by_cell.get((length, group)) or by_length.get(length, pooled)
                # `limit - prediction` is monotone in `limit` in floating point too, so the
                # answer stays monotone even where the subtraction rounds.
                gap = limit - prediction
                below = bisect_left(residuals, gap)
                tied = bisect_right(residuals, gap, lo=below) - below
                answers.append((below + 0.5 * (tied + 1)) / (len(residuals) + 1))
        return answers
