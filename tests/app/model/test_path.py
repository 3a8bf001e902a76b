"""The path's arithmetic (app/model/path.py): which cell a student reads, clamping, the final
CGPA's mean and its risk; on a small hand-written PathSpec, so every figure is checkable."""

from __future__ import annotations

import math

import pytest

from app.model.card_calibration import PathCell, PathSpec
from app.model.path import PathModel, PathRequest
from app.model.risk import RiskModel

CODES = [115, 165]
NEXT = {"predicted_cgpa": 7.0, "interval": {"low": 6.0, "high": 8.0, "level": 0.9}}


def cell(length: int, horizon: int | None, half_width: float, group: int | None = None) -> PathCell:
    residuals = sorted([-half_width, -half_width / 2, 0.0, half_width / 2, half_width])
    return PathCell(
        length=length,
        horizon=horizon,
        group=group,
        size=len(residuals),
        half_width=half_width,
        residuals=residuals,
    )


def model(scale: tuple[float, float] = (0.0, 10.0)) -> PathModel:
    spec = PathSpec(
        final_semesters=4,
        method="test",
        min_cell_size=0,
        cells=[
            cell(1, 2, 1.0),
            cell(1, 3, 2.0),
            cell(1, None, 0.5),
            cell(2, 2, 1.5),
            cell(2, None, 0.4),
            cell(2, 2, 0.3, group=165),
            cell(2, None, 0.1, group=165),
            cell(3, None, 0.2),
        ],
    )
    return PathModel(spec, CODES, scale, 0.9)


def test_a_group_cell_is_read_when_the_card_has_it_else_the_pooled_one() -> None:
    path = model()
    assert path.half_width_of(2, 2, 1) == 0.3  # 165 is index 1: its own cell
    assert path.half_width_of(2, 2, 0) == 1.5  # 115 has no cell: pooled
    assert path.half_width_of(2, 2, -1) == 1.5  # unknown group: pooled
    assert path.half_width_of(2, None, 1) == 0.1
    assert path.half_width_of(1, 3, 1) == 2.0  # no group cell at length 1


def test_every_later_semester_and_the_final_mean() -> None:
    ((path, final),) = model().answers([PathRequest([6.0], -1, [7.0, 7.5, 8.0], NEXT)], [None])
    assert path == [
        {"semester": 2, **NEXT},
        {"semester": 3, "predicted_cgpa": 7.5, "interval": {"low": 6.5, "high": 8.5, "level": 0.9}},
        {
            "semester": 4,
            "predicted_cgpa": 8.0,
            "interval": {"low": 6.0, "high": 10.0, "level": 0.9},
        },
    ]
    # The mean of the four semesters: the grade given and three forecasts, ± its own cell.
    assert final == {
        "semesters": 4,
        "predicted_cgpa": 7.12,
        "interval": {"low": 6.62, "high": 7.62, "level": 0.9},
    }


def test_intervals_are_clamped_to_the_scale() -> None:
    ((path, final),) = model(scale=(0.0, 8.0)).answers(
        [PathRequest([7.9], -1, [7.9, 7.9, 7.95], NEXT)], [None]
    )
    assert path[2]["interval"] == {"low": 5.95, "high": 8.0, "level": 0.9}
    assert final["interval"]["high"] == 8.0


def test_a_history_one_short_of_the_last_term_has_one_semester_and_the_final() -> None:
    ((path, final),) = model().answers(
        [PathRequest([6.0, 7.0, 8.0], 1, [9.0, math.nan, math.nan], NEXT)], [None]
    )
    assert path == [{"semester": 4, **NEXT}]
    assert final["predicted_cgpa"] == 7.5  # (6 + 7 + 8 + 9) / 4: the NaN columns unread
    assert final["interval"] == {"low": 7.3, "high": 7.7, "level": 0.9}


def test_the_final_risk_is_the_conformal_distribution_of_the_student_s_final_cell() -> None:
    requests = [
        PathRequest([6.0, 7.0], 1, [7.0, 8.0, math.nan], NEXT),  # 165: its own final cell
        PathRequest([6.0, 7.0], 0, [7.0, 8.0, math.nan], NEXT),  # 115: pooled
    ]
    built = model().answers(requests, [7.15, 7.15])
    final_mean = 7.0
    own = RiskModel({2: cell(2, None, 0.1).residuals}, (0.0, 10.0))
    pooled = RiskModel({2: cell(2, None, 0.4).residuals}, (0.0, 10.0))
    expected = [
        own.probability_below([final_mean], [2], 7.15)[0],
        pooled.probability_below([final_mean], [2], 7.15)[0],
    ]
    assert [final["risk"] for _, final in built] == [
        {"below": 7.15, "probability": round(probability, 4)} for probability in expected
    ]
    # 0.15 above the final mean: past every residual of 165's narrow cell, inside the pooled.
    assert expected == [5.5 / 6, 3.5 / 6]


def test_no_risk_without_a_cutoff_and_none_below_the_scale() -> None:
    request = PathRequest([6.0], -1, [7.0, 7.5, 8.0], NEXT)
    (_, plain), (_, floor) = model().answers([request, request], [None, 0.0])
    assert "risk" not in plain
    assert floor["risk"] == {"below": 0.0, "probability": 0.0}


def test_a_missing_pooled_cell_is_a_card_error_not_a_fallback() -> None:
    with pytest.raises(KeyError):
        model().half_width_of(3, 2, -1)  # length 3 has no horizon 2 in a 4-term card's spec
