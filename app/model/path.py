"""The road to graduation (#27 part 2): every remaining semester and the final CGPA, with
their intervals and the risk of finishing below a cut-off.

The module's `path` gives the point forecasts (app/model/card.py); everything else comes from
the card's `path` cells, each calibrated on its own held-out residuals:

- horizon 1 (the next semester) is the answer's own forecast and interval;
- horizon h >= 2: the forecast ± the half-width of the student's (length, h, group) cell when
  the card has it, else of the pooled (length, h) cell, clamped to the scale;
- the final CGPA: the mean of all `final_semesters` semesters (the grades given and the
  forecast ones), ± its own cell's half-width (never a sum of the horizons'), clamped; and
  P(final < cut-off) from the same cell's residuals by the conformal predictive distribution
  app/model/risk.py reads the next semester's from (the same class, built from these cells).

No module and no HTTP here: plain floats in, plain dicts out, so it is unit-tested alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from app.model.risk import RiskModel
from app.model.rounding import rounded_rows

if TYPE_CHECKING:
    from app.model.card import ModelCard
    from app.model.card_calibration import PathSpec

# As the next semester's risk (app/model/advice.py).
RISK_DECIMALS = 4
# A cell's key: (history length, horizon or None for the final CGPA, group index or None).
CellKey = tuple[int, int | None, int | None]


@dataclass(frozen=True, slots=True)
class PathRequest:
    """One student's path to build: the history, the module's group index, the module's
    `path` row (unrounded, NaN past the last term), and the answer's own next semester."""

    history: Sequence[float]
    group_index: int
    raw_path: Sequence[float]
    next_semester: dict[str, Any]  # the answer's `predicted_cgpa` and `interval`


class PathModel:
    """Half-widths and final-CGPA risk per student cell; built once from the card."""

    def __init__(
        self,
        spec: PathSpec,
        codes: Sequence[Any],
        scale: tuple[float, float],
        level: float,
    ) -> None:
        self.final_semesters = spec.final_semesters
        self.low, self.high = float(scale[0]), float(scale[1])
        self.level = level
        position = {code: index for index, code in enumerate(codes)}
        self.half_width: dict[CellKey, float] = {}
        final_pooled: dict[int, Sequence[float]] = {}
        final_cells: dict[tuple[int, int], Sequence[float]] = {}
        for cell in spec.cells:
            group = None if cell.group is None else position[cell.group]
            self.half_width[(cell.length, cell.horizon, group)] = cell.half_width
            if cell.horizon is not None:
                continue
            if group is None:
                final_pooled[cell.length] = cell.residuals
            else:
                final_cells[(cell.length, group)] = cell.residuals
        # The final CGPA's distribution is the next semester's rule on other residuals: the
        # same class, its "length" cells being the final CGPA's pooled ones.
        self.final_risk = RiskModel(final_pooled, scale, final_cells)
        self.widths_of: dict[tuple[int, int], tuple[float, ...]] = {}

    @classmethod
    def from_card(cls, card: ModelCard) -> PathModel | None:
        """None for a card without a path (formats 2 and 3)."""
        if card.path is None:
            return None
        return cls(card.path, card.group.codes, card.scale, card.interval.level)

    def half_width_of(self, length: int, horizon: int | None, group_index: int) -> float:
        """The student's own (length, horizon, group) cell's, else the pooled one's (an
        unknown group's index, -1, is never a cell)."""
        own = self.half_width.get((length, horizon, group_index))
        return own if own is not None else self.half_width[(length, horizon, None)]

    def widths(self, length: int, group_index: int) -> tuple[float, ...]:
        """The half-widths of a (length, group) student's horizons 2 onwards, then of its
        final CGPA: looked up once per (length, group), not per student."""
        known = self.widths_of.get((length, group_index))
        if known is None:
            horizons: list[int | None] = [*range(2, self.final_semesters - length + 1), None]
            known = tuple(self.half_width_of(length, h, group_index) for h in horizons)
            self.widths_of[(length, group_index)] = known
        return known

    def answers(
        self, requests: Sequence[PathRequest], cutoffs: Sequence[float | None]
    ) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
        """Each student's `path` and `final_cgpa` (with `risk` where its cut-off is not None).

        The centres, ends and rounding of every interval are computed for all students at
        once (`rounded_rows`: Python's `round`, exactly), the answers' dicts built after."""
        semesters = self.final_semesters
        centres: list[float] = []
        widths: list[float] = []
        finals: list[float] = []
        for request in requests:
            history, raw = request.history, request.raw_path
            remaining = semesters - len(history)
            final = (sum(history) + sum(raw[:remaining])) / semesters
            finals.append(final)
            centres += raw[1:remaining]
            centres.append(final)
            widths += self.widths(len(history), request.group_index)
        centre = torch.tensor(centres, dtype=torch.float64)
        width = torch.tensor(widths, dtype=torch.float64)
        low = (centre - width).clamp(self.low, self.high)
        high = (centre + width).clamp(self.low, self.high)
        rows = iter(rounded_rows(torch.stack([centre, low, high], 1)))
        level = self.level
        built: list[tuple[list[dict[str, Any]], dict[str, Any]]] = []
        for request in requests:
            length = len(request.history)
            path = [{"semester": length + 1, **request.next_semester}]
            for semester in range(length + 2, semesters + 1):
                predicted, low_end, high_end = next(rows)
                path.append(
                    {
                        "semester": semester,
                        "predicted_cgpa": predicted,
                        "interval": {"low": low_end, "high": high_end, "level": level},
                    }
                )
            predicted, low_end, high_end = next(rows)
            ending: dict[str, Any] = {
                "semesters": semesters,
                "predicted_cgpa": predicted,
                "interval": {"low": low_end, "high": high_end, "level": level},
            }
            built.append((path, ending))
        at_risk = [index for index, cutoff in enumerate(cutoffs) if cutoff is not None]
        if at_risk:
            chosen = [float(cutoffs[index]) for index in at_risk]  # type: ignore[arg-type]
            probabilities = self.final_risk.probability_below(
                [finals[index] for index in at_risk],
                [len(requests[index].history) for index in at_risk],
                chosen,
                [requests[index].group_index for index in at_risk],
            )
            for index, cutoff, probability in zip(at_risk, chosen, probabilities, strict=True):
                built[index][1]["risk"] = {
                    # + 0.0 echoes a cut-off sent as -0.0 as the 0.0 it is.
                    "below": cutoff + 0.0,
                    "probability": round(probability, RISK_DECIMALS),
                }
        return built
