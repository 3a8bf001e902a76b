"""How the served models are doing, read without touching every row (`GET /monitoring`).

Per (model version, group), a cell: the running sums of the outcomes that have a counting
forecast (`monitoring_totals`, a few rows, kept by app/store/totals.py), and the forecasts
counted by one GROUP BY over the index `ix_forecasts_version_group`. The overall,
per-version and per-group figures are sums of cells, added up here.

Which forecast counts when a (student, semester) was forecast more than once: the latest one
recorded before the outcome arrived (fixed then, and kept beside the outcome).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.store.schema import forecasts, monitoring_totals, outcomes
from app.store.totals import NO_GROUP, SUM_NAMES, Cell, Totals

# Points for the page's predicted-against-actual chart: the latest outcomes only.
RECENT_POINTS = 500


def totals_by_cell(connection: sa.Connection) -> dict[Cell, Totals]:
    """Per (model version, group): the running sums of the outcomes (a few rows) and the
    forecasts counted from the index `ix_forecasts_version_group`."""
    cells: dict[Cell, Totals] = {}
    for row in connection.execute(sa.select(monitoring_totals)).mappings():
        group = None if row["group_code"] == NO_GROUP else row["group_code"]
        cells[(row["model_version"], group)] = Totals(**{name: row[name] for name in SUM_NAMES})
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
