"""Loads and verifies the TorchScript checkpoint, and turns histories into forecasts.

No HTTP here: routes hand in plain lists and get `Forecast`s back, so this module is
unit-tested without a server. The checkpoint is trusted only after three checks, in order:
its card parses, its bytes match the card's sha256, and it reproduces the card's golden
examples. Any failure raises `ModelLoadError` naming the file and the reason.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from app.model.batching import ForwardCoalescer
from app.model.card import UNKNOWN_GROUP_INDEX, ModelCard
from app.model.card_calibration import GroupCode
from app.model.explain import Explainer, Explanation
from app.model.files import sha256_of_file
from app.model.golden import golden_mismatch
from app.model.path import PathModel
from app.model.risk import RiskModel
from app.model.rounding import rounded_rows

# The most rows one forward pass of the module takes (Predictor.run_module).
MODULE_ROWS = 1024
# A grade is "outside what the model saw" when it passes the lowest or highest grade seen in
# training at its position by more than this share of the scale (0.5 points on 0-10): nearer
# than that is ordinary variation, farther is extrapolation worth a warning.
UNUSUAL_MARGIN = 0.05
# From this many students on, the unusual-grade check compares in torch, on the padded grades
# the forward pass already built, rather than grade by grade in Python.
VECTOR_UNUSUAL_ROWS = 32


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
    # Positions of the grades outside what the model saw in training; usually none.
    unusual: Sequence[int] = ()


class Predictor:
    def __init__(self, module: torch.jit.ScriptModule, card: ModelCard, path: Path) -> None:
        self.module = module
        self.card = card
        self.path = path
        # Code -> the module's group index; a code not in it (or None) is the unknown slot.
        codes: Sequence[GroupCode] = card.group.codes
        self.group_index: dict[GroupCode | None, int] = {
            code: index for index, code in enumerate(codes)
        }
        # Serialised once: GET /model answers with it as is.
        self.card_json = card.public_json()
        self.forecast_coalescer: ForwardCoalescer[Forecast] = ForwardCoalescer(self.forecast_batch)
        self.risk = RiskModel.from_card(card)
        # Format 4: the module's `path`, in passes joined and sliced like the forecasts'.
        self.path_model = PathModel.from_card(card)
        self.path_coalescer: ForwardCoalescer[list[float]] = ForwardCoalescer(self.path_batch)
        self.explainer = Explainer.from_card(self.run_module, card)
        # Explanations of concurrent requests share forward passes too.
        self.explanation_coalescer: ForwardCoalescer[Explanation] = ForwardCoalescer(
            self.explain, row_cost=self.explanation_rows
        )
        low, high = card.scale
        margin = UNUSUAL_MARGIN * (high - low)
        self.usual_ranges = [
            (seen.low - margin, seen.high + margin) for seen in card.grade_range_by_position
        ]
        self.usual_low = torch.tensor([low for low, _ in self.usual_ranges], dtype=torch.float64)
        self.usual_high = torch.tensor([high for _, high in self.usual_ranges], dtype=torch.float64)
        self.position_bits = 2 ** torch.arange(len(self.usual_ranges), dtype=torch.int64)
        # Worded once: a warning names them for every unusual grade.
        self.seen_ranges = [f"{seen.low:g}-{seen.high:g}" for seen in card.grade_range_by_position]

    def unusual_grades(self, histories: Sequence[Sequence[float]]) -> dict[int, Sequence[int]]:
        """For the students with grades outside what the model saw in training (by more than
        the margin), their positions: {student: [position, ...]}. Usually empty."""
        ranges = self.usual_ranges
        if len(histories) < VECTOR_UNUSUAL_ROWS:
            found: dict[int, Sequence[int]] = {}
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
                    found[row] = tuple(positions)
            return found
        return self._unusual_in(*self._padded(histories))

    def _unusual_in(self, grades: torch.Tensor, lengths: torch.Tensor) -> dict[int, Sequence[int]]:
        """`unusual_grades` of many students at once, from their padded grades: the
        comparison in torch, each row's flagged positions as the bits of one integer."""
        longest = grades.size(1)
        present = torch.arange(longest).unsqueeze(0) < lengths.unsqueeze(1)
        outside = (grades < self.usual_low[:longest]) | (grades > self.usual_high[:longest])
        bits = ((outside & present) * self.position_bits[:longest]).sum(1).tolist()
        return {row: positions_of_bits(mask) for row, mask in enumerate(bits) if mask}

    def group_indexes(self, colleges: Sequence[GroupCode | None]) -> list[int]:
        """Each code's position in the card's codes; None and unknown codes: the unknown slot."""
        index = self.group_index
        return [index.get(code, UNKNOWN_GROUP_INDEX) for code in colleges]

    def explanation_rows(self, history: Sequence[float], college: GroupCode | None) -> int:
        """Forward rows explaining one student takes (explain.py `coalition_rows`)."""
        return 1 << (len(history) + (college in self.group_index))

    def explain(
        self, histories: Sequence[Sequence[float]], colleges: Sequence[GroupCode | None]
    ) -> list[Explanation]:
        """Exact Shapley values of each student's prediction (app/model/explain.py)."""
        with torch.inference_mode():
            return self.explainer.explain(histories, self.group_indexes(colleges))

    def raw_outputs(
        self, histories: Sequence[Sequence[float]], colleges: Sequence[GroupCode | None]
    ) -> list[list[float]]:
        """One batched forward pass; rows of [prediction, low, high], unrounded."""
        return self._forward(*self._padded(histories), colleges).tolist()

    def path_batch(
        self, histories: Sequence[Sequence[float]], colleges: Sequence[GroupCode | None]
    ) -> list[list[float]]:
        """The module's `path` rows of these students (unrounded, NaN past the last term),
        from one pass made now (routes ask the `path_coalescer`, which joins their passes)."""
        grades, lengths = self._padded(histories)
        positions = array("q", self.group_indexes(colleges))
        group_indexes = torch.frombuffer(positions, dtype=torch.int64)
        with torch.inference_mode():
            rows: list[list[float]] = self.run_module(
                grades, lengths, group_indexes, self.module.path
            ).tolist()
        return rows

    def forecast_batch(
        self, histories: Sequence[Sequence[float]], colleges: Sequence[GroupCode | None]
    ) -> list[Forecast]:
        """The forecasts of these students, from one forward pass made now (routes ask the
        `forecast_coalescer` instead, which joins their passes)."""
        grades, lengths = self._padded(histories)
        outputs = self._forward(grades, lengths, colleges)
        rows = rounded_rows(outputs)
        raw = outputs[:, 0].tolist()
        known = self.group_index
        # Positional arguments: keywords cost visibly in a 1000-student batch.
        forecasts = [
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
        if len(histories) < VECTOR_UNUSUAL_ROWS:
            unusual = self.unusual_grades(histories)
        else:
            unusual = self._unusual_in(grades, lengths)
        for row, positions in unusual.items():
            forecasts[row].unusual = positions
        return forecasts

    def _padded(self, histories: Sequence[Sequence[float]]) -> tuple[torch.Tensor, torch.Tensor]:
        """The histories as one [students, longest] tensor right-padded with zeros (the
        module reads each row only up to its length), and their lengths."""
        longest = max(map(len, histories))
        # One flat list, one buffer for the tensor, instead of a list per row.
        padding = [[0.0] * missing for missing in range(longest + 1)]
        flat: list[float] = []
        for history in histories:
            flat += history
            flat += padding[longest - len(history)]
        # Through `array` and `torch.frombuffer`: cheaper than `torch.tensor(list)`, which
        # matters when the forward pass itself is this short (docs/performance.md).
        grades = torch.frombuffer(array("d", flat), dtype=torch.float64)
        lengths = torch.frombuffer(array("q", map(len, histories)), dtype=torch.int64)
        return grades.view(len(histories), longest), lengths

    def _forward(
        self, grades: torch.Tensor, lengths: torch.Tensor, colleges: Sequence[GroupCode | None]
    ) -> torch.Tensor:
        # None is not a key, so "no code" is the unknown slot too.
        positions = self.group_indexes(colleges)
        group_indexes = torch.frombuffer(array("q", positions), dtype=torch.int64)
        with torch.inference_mode():
            return self.run_module(grades, lengths, group_indexes)

    def run_module(
        self,
        grades: torch.Tensor,
        lengths: torch.Tensor,
        group_indexes: torch.Tensor,
        method: Callable[..., torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """The module's forward (or `method`: its `path`, format 4), in passes of at most
        MODULE_ROWS rows. Its activations grow with the rows (a few hundred bytes each), and
        memory the allocator once took stays with the process; passes of this size are as
        fast per row as one large pass, or faster (cache-sized), and cap what an explained
        batch adds to resident memory."""
        run = self.module if method is None else method
        if grades.size(0) <= MODULE_ROWS:
            return run(grades, lengths, group_indexes)
        pieces = zip(
            grades.split(MODULE_ROWS),
            lengths.split(MODULE_ROWS),
            group_indexes.split(MODULE_ROWS),
            strict=True,
        )
        return torch.cat([run(*piece) for piece in pieces])


@functools.cache
def positions_of_bits(mask: int) -> tuple[int, ...]:
    """The positions of the set bits, lowest first (at most 2^max_history masks)."""
    return tuple(position for position in range(mask.bit_length()) if mask >> position & 1)


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
        problem = golden_mismatch(predictor)
    except Exception as error:
        raise ModelLoadError(f"{model_path}: golden examples fail to run ({error})") from error
    if problem is not None:
        raise ModelLoadError(f"{model_path}: {problem}")
    return predictor
