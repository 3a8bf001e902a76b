"""The golden examples of a card: inputs and the exact outputs the checkpoint gave when it was
written. A live re-run that differs means the module and its card do not belong together (or
the module computes differently here), so the checkpoint is not served."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

from app.model.card import ModelCard
from app.model.card_calibration import GroupCode

# Outputs are float64; a golden example reproduces when it agrees to this tolerance
# (exact on the machine that wrote it, a few ulps elsewhere).
GOLDEN_TOLERANCE = 1e-4


class Runs(Protocol):
    """What of a `Predictor` (app/model/predictor.py) the check runs; a protocol, so that the
    predictor can call this module without the two importing each other."""

    card: ModelCard
    module: Any

    def raw_outputs(
        self, histories: Sequence[Sequence[float]], colleges: Sequence[GroupCode | None]
    ) -> list[list[float]]: ...

    def path_batch(
        self, histories: Sequence[Sequence[float]], colleges: Sequence[GroupCode | None]
    ) -> list[list[float]]: ...


def golden_mismatch(predictor: Runs) -> str | None:
    """What the module gets wrong of its card's golden forecasts (and, format 4, golden
    paths), worded for the load error; None when it reproduces them all."""
    card = predictor.card
    examples = card.golden_examples
    rows = predictor.raw_outputs(
        [example.grades for example in examples],
        [example.college_code for example in examples],
    )
    for example, row in zip(examples, rows, strict=True):
        expected = (example.predicted_cgpa, example.low, example.high)
        if not _close(row, expected):
            return f"golden example {example.grades} gave {row}, the card expects {list(expected)}"
    if card.path is not None:
        return _path_mismatch(predictor, card.path.final_semesters)
    return None


def _path_mismatch(predictor: Runs, last: int) -> str | None:
    """Format 4: the module has a `path`, and it reproduces the card's golden paths (each
    example's columns through the `last` semester of a path; NaN after them)."""
    if not hasattr(predictor.module, "path"):
        return "a format 4 card, but the module has no `path`"
    examples = [example for example in predictor.card.golden_examples if example.path is not None]
    if not examples:
        return "a format 4 card without a golden path to verify"
    rows = predictor.path_batch(
        [example.grades for example in examples],
        [example.college_code for example in examples],
    )
    for example, row in zip(examples, rows, strict=True):
        expected = example.path or []
        served = row[: last - len(example.grades)]
        beyond = row[last - len(example.grades) :]
        if (
            len(row) != predictor.card.path_horizons
            or len(expected) != len(served)
            or not _close(served, expected)
            or not all(map(math.isnan, beyond))
        ):
            return (
                f"golden example {example.grades} gave the path {row}, "
                f"the card expects {expected} (NaN past semester {last})"
            )
    return None


def _close(got: Sequence[float], want: Sequence[float]) -> bool:
    return all(
        math.isclose(value, expected, abs_tol=GOLDEN_TOLERANCE)
        for value, expected in zip(got, want, strict=True)
    )
