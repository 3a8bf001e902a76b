"""How the served models are doing, aggregated in the database (`GET /monitoring`).

Two GROUP BY queries per call, whatever the number of rows: the outcomes that have a
counting forecast, summed per (model version, group) (each outcome carries its forecast's
figures, app/store/outcomes.py), and the forecasts counted per (model version, group) from
the index `ix_forecasts_version_group`. Only sums come back, a few per cell; the overall,
per-version and per-group figures are sums of cells, added up here.

Which forecast counts when a (student, semester) was forecast more than once: the latest one
recorded before the outcome arrived (fixed then, and kept beside the outcome).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from app.store.schema import forecasts, outcomes

# Points for the page's predicted-against-actual chart: the latest outcomes only.
RECENT_POINTS = 500
# z for the 95% Wilson interval of a coverage.
Z_95 = 1.959963984540054


@dataclass
class Totals:
    """Additive sums over a set of forecasts and their outcomes."""

    forecasts: int = 0
    outcomes: int = 0
    sum_abs_error: float = 0.0
    sum_squared_error: float = 0.0
    sum_fourth_power_error: float = 0.0  # for the spread of the squared errors (the t-test)
    covered: int = 0
    sum_width: float = 0.0
    sum_level: float = 0.0
    risk_outcomes: int = 0
    sum_brier: float = 0.0

    def add(self, other: Totals) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    @property
    def mse(self) -> float | None:
        return self.sum_squared_error / self.outcomes if self.outcomes else None

    @property
    def coverage(self) -> float | None:
        return self.covered / self.outcomes if self.outcomes else None

    @property
    def level(self) -> float | None:
        """The mean interval level the forecasts were answered with."""
        return self.sum_level / self.outcomes if self.outcomes else None

    def figures(self) -> dict[str, Any]:
        n = self.outcomes
        return {
            "forecasts": self.forecasts,
            "outcomes": n,
            "mae": _ratio(self.sum_abs_error, n),
            "mse": _ratio(self.sum_squared_error, n),
            "coverage": _ratio(self.covered, n),
            "coverage_interval": wilson_interval(self.covered, n),
            "mean_width": _ratio(self.sum_width, n),
            "brier": _ratio(self.sum_brier, self.risk_outcomes),
            "risk_outcomes": self.risk_outcomes,
        }


Cell = tuple[str, str | None]  # (model version, group code)


def _ratio(total: float, count: int) -> float | None:
    return total / count if count else None


def wilson_interval(successes: int, trials: int) -> list[float] | None:
    """The 95% Wilson score interval of a proportion: sound near 0 and 1, unlike p ± 2 s.e."""
    if not trials:
        return None
    share = successes / trials
    scale = 1 + Z_95**2 / trials
    centre = (share + Z_95**2 / (2 * trials)) / scale
    half = Z_95 * math.sqrt(share * (1 - share) / trials + Z_95**2 / (4 * trials**2)) / scale
    return [max(0.0, centre - half), min(1.0, centre + half)]


def totals_by_cell(connection: sa.Connection) -> dict[Cell, Totals]:
    """Sums per (model version, group), computed by the database."""
    error = outcomes.c.grade - outcomes.c.predicted
    inside = sa.and_(
        outcomes.c.grade >= outcomes.c.interval_low, outcomes.c.grade <= outcomes.c.interval_high
    )
    asked_risk = outcomes.c.risk_probability.is_not(None)
    fell_below = sa.case((outcomes.c.grade < outcomes.c.risk_below, 1.0), else_=0.0)
    brier = sa.case(
        (
            asked_risk,
            (outcomes.c.risk_probability - fell_below) * (outcomes.c.risk_probability - fell_below),
        ),
        else_=0.0,
    )
    outcome_sums = (
        sa.select(
            outcomes.c.model_version,
            outcomes.c.group_code,
            sa.func.count(),
            sa.func.sum(sa.func.abs(error)),
            sa.func.sum(error * error),
            sa.func.sum(error * error * error * error),
            sa.func.sum(sa.case((inside, 1), else_=0)),
            sa.func.sum(outcomes.c.interval_high - outcomes.c.interval_low),
            sa.func.sum(outcomes.c.interval_level),
            sa.func.sum(sa.case((asked_risk, 1), else_=0)),
            sa.func.sum(brier),
        )
        .where(outcomes.c.forecast_id.is_not(None))
        .group_by(outcomes.c.model_version, outcomes.c.group_code)
    )
    cells: dict[Cell, Totals] = {}
    for version, group, n, *sums in connection.execute(outcome_sums):
        absolute, squared, fourth, covered, width, level, risk_n, brier_sum = sums
        cells[(version, group)] = Totals(
            0,
            int(n),
            float(absolute),
            float(squared),
            float(fourth),
            int(covered),
            float(width),
            float(level),
            int(risk_n),
            float(brier_sum),
        )
    forecast_counts = sa.select(
        forecasts.c.model_version, forecasts.c.group_code, sa.func.count()
    ).group_by(forecasts.c.model_version, forecasts.c.group_code)
    for version, group, count in connection.execute(forecast_counts):
        cells.setdefault((version, group), Totals()).forecasts = int(count)
    return cells


@dataclass
class Rollup:
    overall: Totals
    by_model_version: dict[str, Totals]
    by_group: dict[str | None, Totals]


def roll_up(cells: dict[Cell, Totals]) -> Rollup:
    rollup = Rollup(Totals(), {}, {})
    for (version, group), totals in cells.items():
        rollup.overall.add(totals)
        rollup.by_model_version.setdefault(version, Totals()).add(totals)
        rollup.by_group.setdefault(group, Totals()).add(totals)
    return rollup


def recent_points(connection: sa.Connection, limit: int = RECENT_POINTS) -> list[dict[str, Any]]:
    """The latest outcomes with their forecasts (newest first), for predicted-against-actual."""
    query = (
        sa.select(
            outcomes.c.model_version,
            outcomes.c.group_code,
            outcomes.c.predicted,
            outcomes.c.grade,
            outcomes.c.interval_low,
            outcomes.c.interval_high,
        )
        .where(outcomes.c.forecast_id.is_not(None))
        .order_by(outcomes.c.received_at.desc())
        .limit(limit)
    )
    return [
        {
            "model_version": version,
            "group": group,
            "predicted": predicted,
            "actual": grade,
            "low": low,
            "high": high,
        }
        for version, group, predicted, grade, low, high in connection.execute(query)
    ]


def sorted_groups(groups: Iterable[str | None]) -> list[str | None]:
    """Groups in a stable order: no group last."""
    return sorted(groups, key=lambda group: (group is None, group or ""))
