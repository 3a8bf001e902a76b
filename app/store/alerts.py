"""The monitoring report: figures per scope beside what the card expects, and the alerts.

An alert is raised for a scope (overall, a model version, a group) with at least
`MIN_OUTCOMES` outcomes when its interval coverage is below the card's level, or its MSE above
the card's, beyond sampling noise: a one-sided test at `ALPHA` (app/store/significance.py:
the exact binomial test for coverage, Student's t-test on the squared errors for the MSE).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.store.monitoring import Rollup, sorted_groups
from app.store.significance import coverage_below_p, mse_above_p
from app.store.totals import Totals

MIN_OUTCOMES = 30
# Strict on purpose: one report runs a test per version and per group, and a false alarm
# sends someone to look for a problem that is not there.
ALPHA = 0.01
COVERAGE_TEST = "one-sided exact binomial test"
MSE_TEST = "one-sided t-test on the squared errors"


@dataclass(frozen=True)
class Expected:
    """What a model's card promises: its out-of-fold MSE and its interval's level."""

    mse: float
    level: float

    def as_dict(self) -> dict[str, float]:
        return {"mse": self.mse, "level": self.level}


def report(rollup: Rollup, expected_for: Callable[[str | None], Expected]) -> dict[str, Any]:
    """`GET /monitoring`'s answer; `expected_for(version)` is that version's card's promise
    (None: the served model's)."""
    alerts: list[dict[str, Any]] = []
    overall = _scope(rollup.overall, expected_for(None), "overall", None, alerts)
    versions = [
        {
            "model_version": version,
            **_scope(totals, expected_for(version), "model_version", version, alerts),
        }
        for version, totals in sorted(rollup.by_model_version.items())
    ]
    groups = [
        {
            "group": group,
            **_scope(rollup.by_group[group], expected_for(None), "group", group, alerts),
        }
        for group in sorted_groups(rollup.by_group)
    ]
    return {"overall": overall, "by_model_version": versions, "by_group": groups, "alerts": alerts}


def _scope(
    totals: Totals, expected: Expected, scope: str, name: str | None, alerts: list[dict[str, Any]]
) -> dict[str, Any]:
    alerts.extend(alerts_for(totals, expected, scope, name))
    return {**totals.figures(), "expected": expected.as_dict()}


def alerts_for(
    totals: Totals, expected: Expected, scope: str, name: str | None
) -> list[dict[str, Any]]:
    n = totals.outcomes
    if n < MIN_OUTCOMES:
        return []
    found = []
    where = _where(scope, name)
    coverage_p = coverage_below_p(totals.covered, n, expected.level)
    if coverage_p < ALPHA:
        coverage = totals.covered / n
        found.append(
            _alert(
                scope,
                name,
                "coverage_below_level",
                n,
                coverage,
                expected.level,
                coverage_p,
                COVERAGE_TEST,
                f"{where}: the interval held for {coverage:.0%} of {n} real grades, below its "
                f"promised {expected.level:.0%} beyond chance ({COVERAGE_TEST}, "
                f"p = {coverage_p:.2g}); read the intervals as too narrow",
            )
        )
    mse_p = mse_above_p(n, totals.sum_squared_error, totals.sum_fourth_power_error, expected.mse)
    if mse_p < ALPHA:
        mse = totals.sum_squared_error / n
        found.append(
            _alert(
                scope,
                name,
                "mse_above_card",
                n,
                mse,
                expected.mse,
                mse_p,
                MSE_TEST,
                f"{where}: the forecasts' mean squared error is {mse:.3g} over {n} real grades, "
                f"above the card's {expected.mse:.3g} beyond chance ({MSE_TEST}, "
                f"p = {mse_p:.2g}); the model does worse than when it was trained",
            )
        )
    return found


def _where(scope: str, name: str | None) -> str:
    if scope == "overall":
        return "Overall"
    if scope == "model_version":
        return f"Model {name}"
    return f"Group {name}" if name is not None else "Students without a group"


def _alert(
    scope: str,
    name: str | None,
    kind: str,
    outcomes: int,
    observed: float,
    expected: float,
    p_value: float,
    test: str,
    message: str,
) -> dict[str, Any]:
    return {
        "scope": scope,
        "name": name,
        "kind": kind,
        "outcomes": outcomes,
        "observed": observed,
        "expected": expected,
        "p_value": p_value,
        "test": test,
        "message": message,
    }
