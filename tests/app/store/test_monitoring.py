"""Monitoring's sums, computed by the database, and the alerts they raise."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from app.store.alerts import MIN_OUTCOMES, Expected, report
from app.store.monitoring import recent_points, roll_up, totals_by_cell
from app.store.outcomes import RealGrade, record_outcomes
from app.store.significance import coverage_below_p, mse_above_p
from app.store.store import Store
from app.store.totals import wilson_interval
from harness.store_rows import forecast_row, insert_forecasts

T0 = datetime(2026, 6, 1, tzinfo=UTC)
CARD = Expected(mse=0.25, level=0.9)


def monitoring(store: Store) -> dict:
    with store.engine.connect() as connection:
        return report(roll_up(totals_by_cell(connection)), lambda version: CARD)


def test_figures_by_version_and_group_are_the_plain_formulas(store: Store) -> None:
    rows = [
        forecast_row(store, "a", 5, 7.0, group="115", version="v1", created_at=T0),
        forecast_row(store, "b", 5, 6.0, group="115", version="v1", created_at=T0),
        forecast_row(
            store,
            "c",
            5,
            8.0,
            group="241",
            version="v2",
            created_at=T0,
            risk_below=7.5,
            risk_probability=0.2,
        ),
        forecast_row(store, "d", 5, 5.0, group="241", version="v2", created_at=T0),
    ]
    insert_forecasts(store, rows)
    # a: error +0.5, inside; b: error -1.0, outside (6 ± 0.8); c: 7.0, below 7.5 (risk 0.2)
    record_outcomes(
        store,
        [
            RealGrade("a", 5, 7.5),
            RealGrade("b", 5, 5.0),
            RealGrade("c", 5, 7.0),
            RealGrade("x", 5, 9.0),
        ],
    )

    answer = monitoring(store)

    overall = answer["overall"]
    assert (overall["forecasts"], overall["outcomes"]) == (4, 3)
    assert overall["mae"] == pytest.approx((0.5 + 1.0 + 1.0) / 3)
    assert overall["mse"] == pytest.approx((0.25 + 1.0 + 1.0) / 3)
    assert overall["coverage"] == pytest.approx(1 / 3)
    assert overall["mean_width"] == pytest.approx(1.6)
    assert overall["brier"] == pytest.approx((0.2 - 1.0) ** 2)
    assert overall["expected"] == {"mse": 0.25, "level": 0.9}
    v1, v2 = answer["by_model_version"]
    assert (v1["model_version"], v1["forecasts"], v1["outcomes"], v1["brier"]) == ("v1", 2, 2, None)
    assert v1["mse"] == pytest.approx((0.25 + 1.0) / 2)
    assert (v2["forecasts"], v2["outcomes"], v2["coverage"]) == (2, 1, 0.0)
    assert [(g["group"], g["forecasts"], g["outcomes"]) for g in answer["by_group"]] == [
        ("115", 2, 2),
        ("241", 2, 1),
    ]
    assert answer["alerts"] == []


def test_a_model_worse_than_its_card_raises_both_alerts_in_plain_words(store: Store) -> None:
    rng = random.Random(1)
    rows = [forecast_row(store, f"s{n}", 5, 7.0, created_at=T0) for n in range(60)]
    insert_forecasts(store, rows)
    # errors of about ±1.2: far outside ±0.8 and a squared error near 1.4, not 0.25
    grades = [
        RealGrade(f"s{n}", 5, 7.0 + rng.choice((-1, 1)) * rng.uniform(1.0, 1.4)) for n in range(60)
    ]
    record_outcomes(store, grades)

    alerts = monitoring(store)["alerts"]

    kinds = {(alert["scope"], alert["kind"]) for alert in alerts}
    assert ("overall", "coverage_below_level") in kinds and ("overall", "mse_above_card") in kinds
    assert ("model_version", "mse_above_card") in kinds
    coverage = next(a for a in alerts if a["kind"] == "coverage_below_level")
    assert "exact binomial test" in coverage["message"] and coverage["p_value"] < 0.01
    mse = next(a for a in alerts if a["kind"] == "mse_above_card")
    assert "t-test on the squared errors" in mse["message"]


def test_no_alert_below_thirty_outcomes_however_bad(store: Store) -> None:
    count = MIN_OUTCOMES - 1
    insert_forecasts(
        store, [forecast_row(store, f"s{n}", 5, 7.0, created_at=T0) for n in range(count)]
    )
    record_outcomes(store, [RealGrade(f"s{n}", 5, 2.0) for n in range(count)])

    assert monitoring(store)["alerts"] == []


def test_a_model_as_good_as_its_card_raises_none(store: Store) -> None:
    rng = random.Random(2)
    insert_forecasts(
        store, [forecast_row(store, f"s{n}", 5, 7.0, created_at=T0) for n in range(300)]
    )
    # normal errors with sd 0.5: MSE 0.25, and ±0.8 holds about 89% of them
    record_outcomes(store, [RealGrade(f"s{n}", 5, 7.0 + rng.gauss(0, 0.45)) for n in range(300)])

    assert monitoring(store)["alerts"] == []


def test_recent_points_are_the_latest_matched_outcomes(store: Store) -> None:
    insert_forecasts(store, [forecast_row(store, "a", 5, 7.0, created_at=T0)])
    record_outcomes(store, [RealGrade("a", 5, 7.5), RealGrade("unmatched", 5, 3.0)])

    with store.engine.connect() as connection:
        points = recent_points(connection)

    assert [(p["predicted"], p["actual"]) for p in points] == [(7.0, 7.5)]


def test_the_two_tests_and_the_interval_at_known_values() -> None:
    # scipy.stats.binom.cdf(25, 30, 0.9) = 0.17549487903389488
    assert coverage_below_p(25, 30, 0.9) == pytest.approx(0.17549487903389488, rel=1e-9)
    assert coverage_below_p(30, 30, 0.9) == 1.0
    # squared errors all 1.0 against 0.25: no spread, clearly above
    assert mse_above_p(40, 40.0, 40.0, 0.25) == 0.0
    low, high = wilson_interval(90, 100) or [0, 0]
    assert low == pytest.approx(0.8256, abs=1e-4) and high == pytest.approx(0.9448, abs=1e-4)
    assert wilson_interval(0, 0) is None
