"""Loads and verifies the TorchScript checkpoint, and turns histories into forecasts.

No HTTP here: routes hand in plain lists and get `Forecast`s back, so this module is
unit-tested without a server. The checkpoint is trusted only after three checks, in order:
its card parses, its bytes match the card's sha256, and it reproduces the card's golden
examples. Any failure raises `ModelLoadError` naming the file and the reason.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from app.card import NO_COLLEGE, ModelCard

# Outputs are float32; a golden example reproduces when it agrees to this tolerance
# (exact on the machine that wrote it, a few ulps elsewhere).
GOLDEN_TOLERANCE = 1e-4
# Answers are rounded to the precision grades are recorded in; a finer figure would be noise.
DECIMALS = 2


class ModelLoadError(RuntimeError):
    """The checkpoint or its card cannot be trusted; the message names the file and why."""


@dataclass(frozen=True, slots=True)
class Forecast:
    predicted_cgpa: float
    low: float
    high: float
    semester: int
    college_known: bool | None  # None when no college was given


class Predictor:
    def __init__(self, module: torch.jit.ScriptModule, card: ModelCard, path: Path) -> None:
        self.module = module
        self.card = card
        self.path = path
        self.known_colleges = frozenset(card.colleges)
        # Serialised once: GET /model answers with it as is.
        self.card_json = card.model_dump(mode="json")

    def raw_outputs(
        self, histories: Sequence[Sequence[float]], colleges: Sequence[int | None]
    ) -> list[list[float]]:
        """One batched forward pass; rows of [prediction, low, high], unrounded."""
        longest = max(len(history) for history in histories)
        # Right-pad with zeros: the module reads each row only up to its length.
        padded = [list(history) + [0.0] * (longest - len(history)) for history in histories]
        grades = torch.tensor(padded, dtype=torch.float32)
        lengths = torch.tensor([len(history) for history in histories], dtype=torch.int64)
        codes = torch.tensor(
            [NO_COLLEGE if code is None else code for code in colleges], dtype=torch.int64
        )
        with torch.inference_mode():
            outputs = self.module(grades, lengths, codes)
        return outputs.tolist()

    def forecast(
        self, histories: Sequence[Sequence[float]], colleges: Sequence[int | None]
    ) -> list[Forecast]:
        rows = self.raw_outputs(histories, colleges)
        return [
            Forecast(
                predicted_cgpa=round(predicted, DECIMALS),
                low=round(low, DECIMALS),
                high=round(high, DECIMALS),
                semester=len(history) + 1,
                college_known=None if code is None else code in self.known_colleges,
            )
            for (predicted, low, high), history, code in zip(rows, histories, colleges, strict=True)
        ]

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


def card_path_for(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_predictor(model_path: Path) -> Predictor:
    """Load, verify and warm up the checkpoint, or raise ModelLoadError."""
    card_path = card_path_for(model_path)
    if not model_path.is_file():
        raise ModelLoadError(f"{model_path}: checkpoint file not found")
    if not card_path.is_file():
        raise ModelLoadError(f"{card_path}: model card not found beside the checkpoint")
    try:
        card = ModelCard.read(card_path)
    except ValueError as error:
        raise ModelLoadError(str(error)) from error
    actual_sha = sha256_of(model_path)
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
