"""A format 4 checkpoint is trusted only if its module's `path` reproduces the card's golden
paths: checked at load, like the golden forecasts, on the committed checkpoint."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from app.model.predictor import ModelLoadError, load_predictor
from tests.conftest import MODEL_PATH


def edit_golden_paths(model_path: Path, change) -> None:
    card_path = model_path.with_suffix(".json")
    card = json.loads(card_path.read_text())
    for example in card["golden_examples"]:
        change(example)
    card_path.write_text(json.dumps(card))


def test_the_committed_module_reproduces_its_golden_paths() -> None:
    predictor = load_predictor(MODEL_PATH)
    card = predictor.card
    examples = card.golden_examples
    rows = predictor.path_batch(
        [example.grades for example in examples], [example.college_code for example in examples]
    )
    forecasts = predictor.raw_outputs(
        [example.grades for example in examples], [example.college_code for example in examples]
    )
    for example, row, forecast in zip(examples, rows, forecasts, strict=True):
        assert card.path is not None
        served = card.path.final_semesters - len(example.grades)
        assert len(row) == card.path_horizons
        assert row[:served] == pytest.approx(example.path, abs=1e-4)
        assert all(math.isnan(value) for value in row[served:])
        assert row[0] == forecast[0]  # the path's next semester is the answer's own forecast


def test_a_golden_path_the_module_does_not_give_refuses_the_load(model_copy: Path) -> None:
    def nudge(example: dict) -> None:
        example["path"][-1] += 0.5

    edit_golden_paths(model_copy, nudge)
    with pytest.raises(ModelLoadError, match=rf"^{model_copy}: golden example .* gave the path"):
        load_predictor(model_copy)


def test_a_golden_path_of_the_wrong_length_refuses_the_load(model_copy: Path) -> None:
    def lengthen(example: dict) -> None:
        example["path"].append(example["path"][-1])

    edit_golden_paths(model_copy, lengthen)
    with pytest.raises(ModelLoadError, match="gave the path"):
        load_predictor(model_copy)


def test_a_format_4_card_without_golden_paths_refuses_the_load(model_copy: Path) -> None:
    def drop(example: dict) -> None:
        example["path"] = None

    edit_golden_paths(model_copy, drop)
    with pytest.raises(ModelLoadError, match=rf"^{model_copy}: .* without a golden path"):
        load_predictor(model_copy)
