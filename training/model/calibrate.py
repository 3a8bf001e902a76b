"""Split-conformal interval half-widths from out-of-fold residuals, per history length and,
where a cell has enough of them, per (history length, group): a Mondrian split conformal
(#27). And the residuals themselves, which the card keeps for the predictive distribution
(#16), cell for cell with the interval.

Why cells by group. A half-width per length alone is right on average and wrong per group
when the groups' errors differ in size: on the shared file the 90% interval covered about
0.79 of one college's students and 1.00 of another's (docs/accuracy.md). Calibrated on its
own cell's residuals, a group's interval covers 90% of that group, in expectation, at each
length.

How many residuals a cell needs (`TrainingConfig.min_cell_size`). From n exchangeable
residuals the interval at level 1 - a is the k-th smallest absolute residual,
k = ceil((n + 1)(1 - a)); it is finite only when k <= n, i.e. n >= (1 - a) / a (9 at 90%).
Given those n residuals, the chance that a new student of the cell is covered is itself
random: it is distributed Beta(k, n + 1 - k), of mean k / (n + 1) >= 1 - a (Vovk 2012,
"Conditional validity of inductive conformal predictors"). A small cell therefore gives an
interval that is right on average over calibrations but, for the one calibration that is
served, may cover well under the level. The rule: a cell is its own when, at that n and at
every larger n, P(Beta(k, n + 1 - k) < level - 0.08) <= 10%, where 0.82 (at 90%) is the lowest
coverage the issue accepts for a group at one length: an advisor told "90%" gets under 82% at
most one time in ten. At 90% that first holds at n = 21 (n = 20: 10.2%; 21: 8.7%; 30: 7.4%;
41: 4.7%; 50: 4.0%), so the default is 21. Its cost is on the wide side: P(coverage > 0.97)
is 13-20% for n = 21-28 and at most 10.5% from n = 29, so a small cell's interval is a little
wider than it needs to be more often than too narrow. A stricter floor (40-50, under 5%
below 0.82) would leave colleges 165 and 241 of the shared file pooled at the longest
history, where a fold's training part holds 26-34 of their students, and so leave 241 at
0.79 coverage; measured in docs/accuracy.md. Below the floor a cell falls back to its length's
residuals pooled over every group, as does a student with no known group.

`minimum_cell_size` computes the floor for any level; `min_cell_size` in the config is the
value used (so a card says which), and `tests/training/model/test_calibrate.py` checks the
default is the floor at the default level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import beta

from app.model.card_calibration import RESIDUALS_KEPT

METHOD = (
    "cross-fitted split conformal (out-of-fold absolute residuals, per history length, and "
    "per history length and group where a cell has at least min_cell_size of them)"
)
# How far under the level one group's coverage at one length may fall (0.82 at 90%), and
# how often a cell's own calibration may fall below that (see the module docstring).
CELL_SHORTFALL = 0.08
CHANCE_BELOW_LOWEST = 0.10


@dataclass(frozen=True)
class GroupCell:
    """A (length, group) cell calibrated on its own residuals."""

    size: int
    half_width: float
    residuals: list[float]  # signed, sorted, at most RESIDUALS_KEPT


@dataclass(frozen=True)
class Calibration:
    level: float
    # Pooled over every group: the interval of a cell that is not its own.
    half_width_by_length: dict[int, float]
    calibration_size: int
    size_by_length: dict[int, int]
    # Signed residuals (target - prediction) per length, sorted, at most RESIDUALS_KEPT.
    residuals_by_length: dict[int, list[float]]
    min_cell_size: int = 0
    # (length, group index) -> the cell, for the cells that are their own only.
    cells: dict[tuple[int, int], GroupCell] = field(default_factory=dict)
    # (length, group index) -> held-out residuals, for every cell with any (own or not).
    size_by_cell: dict[tuple[int, int], int] = field(default_factory=dict)

    def half_width_table(self, group_count: int, max_history: int) -> np.ndarray:
        """[group_count + 1, max_history]: row g (a group index) and column length - 1 hold
        the half-width that student gets; the last row, the unknown group's, is the pooled."""
        pooled = [self.half_width_by_length[length] for length in range(1, max_history + 1)]
        table = np.tile(np.array(pooled, dtype=np.float64), (group_count + 1, 1))
        for (length, group), cell in self.cells.items():
            table[group, length - 1] = cell.half_width
        return table


def minimum_cell_size(level: float) -> int:
    """The smallest n from which on every cell of n residuals covers less than level -
    CELL_SHORTFALL with probability at most CHANCE_BELOW_LOWEST (module docstring)."""
    lowest = level - CELL_SHORTFALL
    smallest = math.ceil(level / (1 - level))
    floor = None
    for n in range(smallest, 10 * smallest + 1000):
        k = math.ceil((n + 1) * level)
        ok = k <= n and beta.cdf(lowest, k, n + 1 - k) <= CHANCE_BELOW_LOWEST
        floor = (floor or n) if ok else None
    if floor is None:
        raise ValueError(f"no cell size keeps a {level} interval above {lowest}")
    return floor


def conformal_quantile(residuals: np.ndarray, level: float) -> float:
    """The ceil((n + 1) * level)-th smallest residual: the finite-sample conformal quantile."""
    ordered = np.sort(residuals)
    rank = math.ceil((len(ordered) + 1) * level)
    # With too few residuals the exact quantile is infinite; the largest one is the honest
    # finite stand-in (and such tiny calibration sets only happen in tests).
    return float(ordered[min(rank, len(ordered)) - 1])


def kept_residuals(residuals: np.ndarray, most: int = RESIDUALS_KEPT) -> list[float]:
    """Sorted; when there are more than `most`, that many evenly spaced order statistics
    (the smallest and the largest included)."""
    ordered = np.sort(residuals)
    if len(ordered) > most:
        ordered = ordered[np.round(np.linspace(0, len(ordered) - 1, most)).astype(np.int64)]
    return [float(value) for value in ordered]


def calibrate(
    residuals: np.ndarray,
    lengths: np.ndarray,
    max_history: int,
    level: float,
    group_indexes: np.ndarray | None = None,
    min_cell_size: int = 0,
) -> Calibration:
    """`residuals` are signed (target - prediction); the interval uses their size.
    `group_indexes` (-1: none) with `min_cell_size` >= 1 adds the cells that are their own;
    without them (or with 0) the calibration is per length only."""
    if len(residuals) == 0:
        raise ValueError("no calibration residuals")
    sizes = np.abs(residuals)
    pooled = conformal_quantile(sizes, level)
    widths: dict[int, float] = {}
    counts: dict[int, int] = {}
    kept: dict[int, list[float]] = {}
    cells: dict[tuple[int, int], GroupCell] = {}
    size_by_cell: dict[tuple[int, int], int] = {}
    for length in range(1, max_history + 1):
        chosen = lengths == length
        counts[length] = int(chosen.sum())
        # A length with no held-out samples borrows the pooled width rather than none.
        widths[length] = conformal_quantile(sizes[chosen], level) if counts[length] else pooled
        kept[length] = kept_residuals(residuals[chosen])
        if group_indexes is None or min_cell_size < 1:
            continue
        for group in np.unique(group_indexes[chosen]).tolist():
            if group < 0:
                continue  # no group given: only ever the pooled
            in_cell = chosen & (group_indexes == group)
            size_by_cell[(length, group)] = int(in_cell.sum())
            if size_by_cell[(length, group)] >= min_cell_size:
                cells[(length, group)] = GroupCell(
                    size=size_by_cell[(length, group)],
                    half_width=conformal_quantile(sizes[in_cell], level),
                    residuals=kept_residuals(residuals[in_cell]),
                )
    return Calibration(
        level, widths, len(residuals), counts, kept, min_cell_size, cells, size_by_cell
    )
