"""Loads and verifies the TorchScript checkpoint, and turns histories into forecasts.

No HTTP here: routes hand in plain lists and get `Forecast`s back, so this module is
unit-tested without a server. The checkpoint is trusted only after three checks, in order:
its card parses, its bytes match the card's sha256, and it reproduces the card's golden
examples. Any failure raises `ModelLoadError` naming the file and the reason.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from app.model.batching import ForecastCoalescer
from app.model.card import UNKNOWN_GROUP_INDEX, ModelCard, sha256_of_file
from app.model.explain import Explainer, Explanation
from app.model.risk import RiskModel

# A request's college (group) code: what the card's `group.codes` hold, or None for none.
GroupCode = int | str | None

# Outputs are float64; a golden example reproduces when it agrees to this tolerance
# (exact on the machine that wrote it, a few ulps elsewhere).
GOLDEN_TOLERANCE = 1e-4
# Answers are rounded to the precision grades are recorded in; a finer figure would be noise.
DECIMALS = 2
# A grade is "outside what the model saw" when it passes the lowest or highest grade seen in
# training at its position by more than this share of the scale (0.5 points on 0-10): nearer
# than that is ordinary variation, farther is extrapolation worth a warning.
UNUSUAL_MARGIN = 0.05


class ModelLoadError(RuntimeError):
    """The checkpoint or its card cannot be trusted; the message names the file and why."""


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which makes
# building a 1000-student batch's forecasts several times slower.
@dataclass(slots=True)
class Forecast:
    predicted_cgpa: float
    low: float
    high: float
    semester: int
    college_known: bool | None  # None when no college was given
    # The prediction unrounded, what risks and explanations start from. Not compared: it
    # moves in the last bits with the other rows of its forward pass; the answer does not.
    raw: float = field(compare=False)


class Predictor:
    def __init__(self, module: torch.jit.ScriptModule, card: ModelCard, path: Path) -> None:
        self.module = module
        self.card = card
        self.path = path
        # Code -> the module's group index; a code not in it (or None) is the unknown slot.
        self.group_index: dict[GroupCode, int] = {
            code: index for index, code in enumerate(card.group.codes)
        }
        # Serialised once: GET /model answers with it as is.
        self.card_json = card.model_dump(mode="json")
        self.coalescer: ForecastCoalescer[Forecast] = ForecastCoalescer(self.forecast)
        self.risk = RiskModel.from_card(card)
        self.explainer = Explainer.from_card(module, card)
        # Explanations of concurrent requests share forward passes too.
        self.explanations: ForecastCoalescer[Explanation] = ForecastCoalescer(self.explain)
        low, high = card.scale
        margin = UNUSUAL_MARGIN * (high - low)
        self.usual_ranges = [
            (seen.low - margin, seen.high + margin) for seen in card.grade_range_by_position
        ]
        # Worded once: a warning names them for every unusual grade.
        self.seen_ranges = [f"{seen.low:g}-{seen.high:g}" for seen in card.grade_range_by_position]

    def unusual_grades(self, histories: Sequence[Sequence[float]]) -> dict[int, list[int]]:
        """For the students with grades outside what the model saw in training (by more than
        the margin), their positions: {student: [position, ...]}. Usually empty."""
        ranges = self.usual_ranges
        if len(histories) < VECTOR_ROUNDING_ROWS:
            found: dict[int, list[int]] = {}
            for row, history in enumerate(histories):
                positions = [
                    position
                    # A history is at most max_history long: `ranges` may be longer.
                    for position, (grade, (low, high)) in enumerate(
                        zip(history, ranges, strict=False)
                    )
                    if not low <= grade <= high
                ]
                if positions:
                    found[row] = positions
            return found
        # Many students: one comparison in torch, then only the flagged rows in Python.
        longest = max(map(len, histories))
        padding = [[math.nan] * missing for missing in range(longest + 1)]
        flat: list[float] = []
        for history in histories:
            flat += history
            flat += padding[longest - len(history)]
        grades = torch.frombuffer(array("d", flat), dtype=torch.float64).view(-1, longest)
        bounds = torch.tensor(ranges[:longest], dtype=torch.float64)
        outside = (grades < bounds[:, 0]) | (grades > bounds[:, 1])  # NaN padding: False
        found: dict[int, list[int]] = {}
        rows, positions = outside.nonzero(as_tuple=True)
        for row, position in zip(rows.tolist(), positions.tolist(), strict=True):
            found.setdefault(row, []).append(position)
        return found

    def group_indexes(self, colleges: Sequence[GroupCode]) -> list[int]:
        """Each code's position in the card's codes; None and unknown codes: the unknown slot."""
        index = self.group_index
        return [index.get(code, UNKNOWN_GROUP_INDEX) for code in colleges]

    def explain(
        self, histories: Sequence[Sequence[float]], colleges: Sequence[GroupCode]
    ) -> list[Explanation]:
        """Exact Shapley values of each student's prediction (app/model/explain.py)."""
        with torch.inference_mode():
            return self.explainer.explain(histories, self.group_indexes(colleges))

    def raw_outputs(
        self, histories: Sequence[Sequence[float]], colleges: Sequence[GroupCode]
    ) -> list[list[float]]:
        """One batched forward pass; rows of [prediction, low, high], unrounded."""
        return self._forward(histories, colleges).tolist()

    def forecast(
        self, histories: Sequence[Sequence[float]], colleges: Sequence[GroupCode]
    ) -> list[Forecast]:
        outputs = self._forward(histories, colleges)
        rows = rounded_rows(outputs)
        raw = outputs[:, 0].tolist()
        known = self.group_index
        # Positional arguments: keywords cost visibly in a 1000-student batch.
        return [
            Forecast(
                predicted,
                low,
                high,
                len(history) + 1,
                code in known if code is not None else None,
                unrounded,
            )
            for (predicted, low, high), unrounded, history, code in zip(
                rows, raw, histories, colleges, strict=True
            )
        ]

    def _forward(
        self, histories: Sequence[Sequence[float]], colleges: Sequence[GroupCode]
    ) -> torch.Tensor:
        longest = max(map(len, histories))
        # Right-padded with zeros (the module reads each row only up to its length), as one
        # flat list: one buffer for the tensor, instead of a list per row.
        padding = [[0.0] * missing for missing in range(longest + 1)]
        flat: list[float] = []
        for history in histories:
            flat += history
            flat += padding[longest - len(history)]
        # Through `array` and `torch.frombuffer`: cheaper than `torch.tensor(list)`, which
        # matters when the forward pass itself is this short (docs/performance.md).
        grades = torch.frombuffer(array("d", flat), dtype=torch.float64)
        lengths = torch.frombuffer(array("q", map(len, histories)), dtype=torch.int64)
        # None is not a key, so "no code" is the unknown slot too.
        positions = self.group_indexes(colleges)
        group_indexes = torch.frombuffer(array("q", positions), dtype=torch.int64)
        with torch.inference_mode():
            return self.module(grades.view(len(histories), longest), lengths, group_indexes)

    def verify_golden_examples(self) -> None:
        examples = self.card.golden_examples
        rows = self.raw_outputs(
            [example.grades for example in examples],
            [example.college_code for example in examples],
        )
        for example, row in zip(examples, rows, strict=True):
            expected = (example.predicted_cgpa, example.low, example.high)
            if not all(
                math.isclose(got, want, abs_tol=GOLDEN_TOLERANCE)
                for got, want in zip(row, expected, strict=True)
            ):
                raise ModelLoadError(
                    f"{self.path}: golden example {example.grades} gave {row}, "
                    f"the card expects {list(expected)}"
                )


# From this many rows on, rounding in torch (plus exact fix-ups) beats one `round` per value.
VECTOR_ROUNDING_ROWS = 32
_SCALE = 10**DECIMALS


def rounded_rows(outputs: torch.Tensor) -> list[list[float]]:
    """`round(value, DECIMALS)` of every output, exactly as Python's `round` gives it.

    Python's `round` is slow (a decimal conversion per value: a large share of a
    1000-student batch's time in a profile). For large batches the values are rounded in
    float64 instead: `round(x * 100) / 100` is exactly Python's answer unless `x * 100` lies
    within a rounding error of a halfway point, and those few values go to Python's `round`.
    """
    if outputs.size(0) < VECTOR_ROUNDING_ROWS:
        return [[round(value, DECIMALS) for value in row] for row in outputs.tolist()]
    scaled = outputs.double() * _SCALE
    near_halfway = ((scaled - scaled.floor()) - 0.5).abs() < 1e-6
    # Divided by a tensor, not a number: torch turns division by a number into a multiply
    # by its reciprocal, which is not correctly rounded; tensor by tensor is IEEE division,
    # correctly rounded like `round`'s own result.
    rows = (torch.round(scaled) / torch.full_like(scaled, _SCALE)).tolist()
    if near_halfway.any():
        exact = outputs.tolist()
        for row, column in near_halfway.nonzero().tolist():
            rows[row][column] = round(exact[row][column], DECIMALS)
    return rows


def card_path_for(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def read_card(model_path: Path) -> ModelCard:
    """The card beside the checkpoint, or ModelLoadError naming the file and why."""
    card_path = card_path_for(model_path)
    if not model_path.is_file():
        raise ModelLoadError(f"{model_path}: checkpoint file not found")
    if not card_path.is_file():
        raise ModelLoadError(f"{card_path}: model card not found beside the checkpoint")
    try:
        return ModelCard.read(card_path)
    except ValueError as error:
        raise ModelLoadError(str(error)) from error


def load_predictor(model_path: Path) -> Predictor:
    """Load, verify and warm up the checkpoint, or raise ModelLoadError."""
    card = read_card(model_path)
    actual_sha = sha256_of_file(model_path)
    if actual_sha != card.checkpoint_sha256:
        raise ModelLoadError(
            f"{model_path}: sha256 {actual_sha} does not match the card's "
            f"{card.checkpoint_sha256}; the checkpoint and its card do not belong together"
        )
    try:
        module = torch.jit.load(str(model_path), map_location="cpu")
    except Exception as error:  # torch raises many types for a damaged archive
        raise ModelLoadError(f"{model_path}: not a loadable TorchScript file ({error})") from error
    module.eval()
    predictor = Predictor(module, card, model_path)
    try:
        predictor.verify_golden_examples()
    except ModelLoadError:
        raise
    except Exception as error:
        raise ModelLoadError(f"{model_path}: golden examples fail to run ({error})") from error
    return predictor
