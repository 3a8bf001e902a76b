"""The running sums behind monitoring: per (model version, group), additive sums over the
outcomes that have a counting forecast, kept in `monitoring_totals` in the same transaction
as every write to `outcomes` (app/store/outcomes.py adds, app/store/privacy.py takes away).

The formulas are written twice, once in Python (`Totals.of_outcome`, for outcomes arriving)
and once in SQL (`sums_of_outcomes`, for rows about to be deleted);
tests/app/store/test_totals.py holds the running sums equal to a fresh count after every kind
of write.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.store.schema import monitoring_totals, outcomes

# z for the 95% Wilson interval of a coverage.
Z_95 = 1.959963984540054
# `monitoring_totals.group_code` for outcomes without a group (a key column is never null).
NO_GROUP = ""
Cell = tuple[str, str | None]  # (model version, group code)


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

    @classmethod
    def of_outcome(cls, grade: float, forecast: Mapping[str, Any]) -> Totals:
        error = grade - forecast["predicted"]
        probability = forecast["risk_probability"]
        asked = probability is not None
        brier = (probability - (grade < forecast["risk_below"])) ** 2 if asked else 0.0
        return cls(
            outcomes=1,
            sum_abs_error=abs(error),
            sum_squared_error=error * error,
            sum_fourth_power_error=error**4,
            covered=int(forecast["interval_low"] <= grade <= forecast["interval_high"]),
            sum_width=forecast["interval_high"] - forecast["interval_low"],
            sum_level=forecast["interval_level"],
            risk_outcomes=int(asked),
            sum_brier=brier,
        )

    def add(self, other: Totals, sign: int = 1) -> None:
        for field in fields(self):
            mine, theirs = getattr(self, field.name), getattr(other, field.name)
            setattr(self, field.name, mine + sign * theirs)

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


SUM_NAMES = tuple(field.name for field in fields(Totals) if field.name != "forecasts")
COUNTS = {"outcomes", "covered", "risk_outcomes"}


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


def sums_of_outcomes(
    connection: sa.Connection, chosen: sa.ColumnElement[bool]
) -> dict[Cell, Totals]:
    """The sums of the `chosen` outcomes (those with a counting forecast), per cell, by SQL."""
    o = outcomes.c
    error = o.grade - o.predicted
    inside = sa.and_(o.grade >= o.interval_low, o.grade <= o.interval_high)
    asked = o.risk_probability.is_not(None)
    fell_below = sa.case((o.grade < o.risk_below, 1.0), else_=0.0)
    miss = o.risk_probability - fell_below
    group = sa.func.coalesce(o.group_code, NO_GROUP)
    query = (
        sa.select(
            o.model_version,
            group,
            sa.func.count(),
            sa.func.sum(sa.func.abs(error)),
            sa.func.sum(error * error),
            sa.func.sum(error * error * error * error),
            sa.func.sum(sa.case((inside, 1), else_=0)),
            sa.func.sum(o.interval_high - o.interval_low),
            sa.func.sum(o.interval_level),
            sa.func.sum(sa.case((asked, 1), else_=0)),
            sa.func.sum(sa.case((asked, miss * miss), else_=0.0)),
        )
        .where(o.forecast_id.is_not(None), chosen)
        .group_by(o.model_version, group)
    )
    cells: dict[Cell, Totals] = {}
    for version, group_code, *sums in connection.execute(query):
        totals = Totals()
        for name, value in zip(SUM_NAMES, sums, strict=True):
            setattr(totals, name, int(value) if name in COUNTS else float(value))
        cells[(version, None if group_code == NO_GROUP else group_code)] = totals
    return cells


def add_to_totals(connection: sa.Connection, deltas: Mapping[Cell, Totals], sign: int = 1) -> None:
    """Adds (sign 1) or takes away (sign -1) sums in `monitoring_totals`, one upsert per cell;
    concurrent writers add up, each update adding to the row it locks."""
    if not deltas:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for (version, group), delta in deltas.items():
        values = {name: sign * getattr(delta, name) for name in SUM_NAMES}
        statement = dialect.insert(monitoring_totals).values(
            model_version=version, group_code=NO_GROUP if group is None else group, **values
        )
        statement = statement.on_conflict_do_update(
            index_elements=["model_version", "group_code"],
            set_={name: monitoring_totals.c[name] + statement.excluded[name] for name in SUM_NAMES},
        )
        connection.execute(statement)
