"""Loading and verifying the checkpoint, and forecasting, without HTTP."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn

from app.model.card import FORMAT_VERSION, READABLE_FORMATS, ModelCard
from app.model.files import sha256_of_file
from app.model.predictor import (
    MODULE_ROWS,
    VECTOR_UNUSUAL_ROWS,
    ModelLoadError,
    Predictor,
    load_predictor,
)
from app.model.rounding import DECIMALS, VECTOR_ROUNDING_ROWS, rounded_rows
from tests.conftest import MODEL_PATH


def rewrite_card(model_path: Path, **changes: object) -> None:
    card_path = model_path.with_suffix(".json")
    card = json.loads(card_path.read_text())
    card.update(changes)
    card_path.write_text(json.dumps(card))


def test_committed_checkpoint_loads_and_reproduces_its_golden_examples() -> None:
    predictor = load_predictor(MODEL_PATH)
    card = predictor.card
    # The committed model may be a format 2 card (written before #27) or a format 3 one.
    assert card.format_version in READABLE_FORMATS and FORMAT_VERSION == 4
    assert card.min_history == 1
    assert card.max_history >= 4 and card.term_count == card.max_history + 1
    assert card.scale == (0.0, 10.0)
    assert card.group.column == card.group.label == "College Code"
    assert card.group.codes == [115, 116, 165, 241]
    assert len(card.grade_range_by_position) == len(card.grade_mean_by_position) == 4
    assert set(card.interval.residuals_by_length) == {1, 2, 3, 4}


def test_padding_does_not_change_a_prediction() -> None:
    predictor = load_predictor(MODEL_PATH)
    alone = predictor.raw_outputs([[6.0, 6.5]], [165])
    beside_a_longer_one = predictor.raw_outputs([[6.0, 6.5], [9.0, 9.0, 9.0, 9.0]], [165, 115])
    # Up to float64 rounding (~1e-15): the padded width changes the order of the sums, far
    # below the 0.01 answers are rounded to.
    for mine, alone_value in zip(beside_a_longer_one[0], alone[0], strict=True):
        assert math.isclose(mine, alone_value, rel_tol=0, abs_tol=1e-12)


def test_forecast_is_clamped_ordered_and_rounded() -> None:
    predictor = load_predictor(MODEL_PATH)
    histories = [[0.0, 0.0, 0.0, 0.0], [10.0, 10.0, 10.0, 10.0], [5.0]]
    for forecast in predictor.forecast_batch(histories, [None, 165, 999]):
        assert 0 <= forecast.low <= forecast.predicted_cgpa <= forecast.high <= 10
        assert forecast.predicted_cgpa == round(forecast.predicted_cgpa, 2)


def test_unusual_grades_are_the_same_alone_and_in_a_large_batch() -> None:
    """Small batches compare in Python, large ones in torch: the positions flagged agree,
    and padding is never flagged."""
    predictor = load_predictor(MODEL_PATH)
    low, high = predictor.card.scale
    margin = 0.05 * (high - low)  # the README's margin: 5% of the scale
    seen = predictor.card.grade_range_by_position
    below = max(low, seen[1].low - 2 * margin)
    rng = random.Random(5)
    histories = [
        [round(rng.uniform(low, high), 2) for _ in range(rng.randint(1, len(seen)))]
        for _ in range(3 * VECTOR_UNUSUAL_ROWS)
    ]
    histories[7] = [seen[0].low, below]  # only position 1 is outside
    histories[8] = [seen[0].high]  # at the edge: usual
    codes = [None] * len(histories)
    together = predictor.forecast_batch(histories, codes)
    alone = [predictor.forecast_batch([history], [None])[0] for history in histories]
    assert [f.unusual for f in together] == [f.unusual for f in alone]
    assert together[7].unusual == (1,) and together[8].unusual == ()
    assert any(f.unusual for f in together) and not all(f.unusual for f in together)
    for forecast, history in zip(together, histories, strict=True):
        expected = tuple(
            position
            for position, grade in enumerate(history)
            if not seen[position].low - margin <= grade <= seen[position].high + margin
        )
        assert forecast.unusual == expected


def test_passes_larger_than_module_rows_are_split_without_changing_answers() -> None:
    predictor = load_predictor(MODEL_PATH)
    rng = random.Random(6)
    count = 2 * MODULE_ROWS + 3
    histories = [
        [round(rng.uniform(5, 9), 2) for _ in range(rng.randint(1, 4))] for _ in range(count)
    ]
    codes = [rng.choice([None, 165, 115]) for _ in range(count)]
    together = predictor.forecast_batch(histories, codes)
    pieces = [
        forecast
        for start in range(0, count, 500)
        for forecast in predictor.forecast_batch(
            histories[start : start + 500], codes[start : start + 500]
        )
    ]
    assert together == pieces
    # Explaining 100 four-grade students takes 3,200 rows: several passes.
    students = [h for h in histories if len(h) == 4][:100]
    explained = predictor.explain(students, [165] * len(students))
    for student, explanation in zip(students, explained, strict=True):
        (own,) = predictor.explain([student], [165])
        assert explanation.predicted == pytest.approx(own.predicted, abs=1e-9)
        assert [v for _, v in explanation.contributions] == pytest.approx(
            [v for _, v in own.contributions], abs=1e-9
        )


def test_missing_checkpoint_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "cgpa_rnn.pt"
    with pytest.raises(ModelLoadError, match=f"{missing}: checkpoint file not found"):
        load_predictor(missing)


def test_missing_card_names_the_card(model_copy: Path) -> None:
    model_copy.with_suffix(".json").unlink()
    with pytest.raises(ModelLoadError, match="cgpa_rnn.json: model card not found"):
        load_predictor(model_copy)


def test_truncated_checkpoint_fails_the_hash_check(model_copy: Path) -> None:
    model_copy.write_bytes(model_copy.read_bytes()[:1000])
    with pytest.raises(ModelLoadError, match="does not match the card"):
        load_predictor(model_copy)


def test_corrupt_checkpoint_with_matching_hash_is_not_loadable(model_copy: Path) -> None:
    model_copy.write_bytes(b"this is not a TorchScript archive")
    rewrite_card(model_copy, checkpoint_sha256=sha256_of_file(model_copy))
    with pytest.raises(ModelLoadError, match="not a loadable TorchScript file"):
        load_predictor(model_copy)


def test_newer_card_format_is_refused(model_copy: Path) -> None:
    rewrite_card(model_copy, format_version=FORMAT_VERSION + 1)
    with pytest.raises(ModelLoadError, match=f"format_version {FORMAT_VERSION + 1}"):
        load_predictor(model_copy)


def test_format_1_card_is_refused_not_guessed_at(model_copy: Path) -> None:
    rewrite_card(model_copy, format_version=1, colleges=[115, 116, 165, 241])
    with pytest.raises(ModelLoadError, match="has format_version 1; this service reads "):
        load_predictor(model_copy)


def card_with(**changes: object) -> dict:
    card = json.loads(MODEL_PATH.with_suffix(".json").read_text())
    if "group" in changes and "group_cells" in card["interval"]:
        card["interval"]["group_cells"] = []  # cells of the committed codes: not of these
        if card.get("path"):
            card["path"]["cells"] = [
                cell for cell in card["path"]["cells"] if cell["group"] is None
            ]
    if changes.get("format_version") in (2, 3):
        card.pop("path", None)  # a format 4 field
    card.update(changes)
    return card


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"group": {"column": "x", "label": "x", "codes": [116, 115]}}, "sorted and unique"),
        ({"group": {"column": "x", "label": "x", "codes": ["GP", 1]}}, "group.codes"),
        ({"group": {"column": None, "label": "Group", "codes": [1]}}, "without a group column"),
        ({"grade_scale": {"low": 4.0, "high": 0.0}}, "is not below high"),
        ({"grade_mean_by_position": [7.0]}, "grade_mean_by_position must have max_history"),
        ({"term_count": 1}, "term_count"),
    ],
)
def test_card_fields_are_validated(changes: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ModelCard.model_validate(card_with(**changes))


def interval_with(**changes: object) -> dict:
    """The committed card's interval (format 2 or 3) without the format 3 fields, changed."""
    interval = card_with()["interval"]
    for name in ("min_cell_size", "group_cells"):
        interval.pop(name, None)
    interval.update(changes)
    return interval


def a_cell(**changes: object) -> dict:
    cell = {"length": 4, "group": 241, "size": 26, "half_width": 1.1, "residuals": [-1.0, 0.5]}
    cell.update(changes)
    return cell


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {
                "format_version": 2,
                "interval": interval_with(min_cell_size=21, group_cells=[a_cell()]),
            },
            "need format_version 3",
        ),
        ({"format_version": 3, "interval": interval_with()}, "needs min_cell_size"),
        (
            {
                "format_version": 3,
                "interval": interval_with(min_cell_size=21, group_cells=[a_cell(group=999)]),
            },
            "not a history length and group code",
        ),
        (
            {
                "format_version": 3,
                "interval": interval_with(min_cell_size=21, group_cells=[a_cell(length=9)]),
            },
            "not a history length and group code",
        ),
        (
            {
                "format_version": 3,
                "interval": interval_with(min_cell_size=30, group_cells=[a_cell()]),
            },
            "below min_cell_size",
        ),
        (
            {
                "format_version": 3,
                "interval": interval_with(min_cell_size=21, group_cells=[a_cell(), a_cell()]),
            },
            "two interval cells",
        ),
        (
            {
                "format_version": 3,
                "interval": interval_with(
                    min_cell_size=21, group_cells=[a_cell(residuals=[1.0, 0.0])]
                ),
            },
            "not sorted",
        ),
    ],
)
def test_interval_cells_are_validated(changes: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ModelCard.model_validate(card_with(**changes))


def test_a_format_2_card_shows_as_written_and_a_format_3_card_shows_its_cells() -> None:
    """GET /model answers `card_json`: a format 2 card (no cells) without the format 3
    fields, exactly as it reads; a format 3 one with its own cells and the floor."""
    format_2 = card_with(format_version=2, interval=interval_with())
    predictor = Predictor(
        torch.jit.script(EchoGroupIndex()), ModelCard.model_validate(format_2), MODEL_PATH
    )
    assert "group_cells" not in predictor.card_json["interval"]
    assert predictor.card_json["interval"] == json.loads(json.dumps(format_2["interval"]))
    format_3 = card_with(
        format_version=3, interval=interval_with(min_cell_size=21, group_cells=[a_cell()])
    )
    predictor = Predictor(
        torch.jit.script(EchoGroupIndex()), ModelCard.model_validate(format_3), MODEL_PATH
    )
    assert predictor.card_json["interval"]["min_cell_size"] == 21
    assert predictor.card_json["interval"]["group_cells"] == [a_cell()]
    # The risk reads the cell for that group and length, the pooled residuals otherwise.
    position = predictor.group_index[241]
    assert predictor.risk.residuals_for(4, position) == [-1.0, 0.5]
    assert predictor.risk.residuals_for(4, -1) == sorted(
        format_3["interval"]["residuals_by_length"]["4"]
    )


def test_card_keeps_integer_and_string_codes_as_they_are() -> None:
    integers = ModelCard.model_validate(card_with())
    assert integers.group.codes and all(type(code) is int for code in integers.group.codes)
    strings = {"column": "school", "label": "school", "codes": ["115", "GP"]}
    card = ModelCard.model_validate(card_with(group=strings))
    assert card.group.codes == ["115", "GP"]
    assert ModelCard.model_validate_json(card.model_dump_json()).group.codes == ["115", "GP"]


class EchoGroupIndex(nn.Module):
    """A stand-in checkpoint whose every output column is the group index it was given."""

    def forward(self, grades: Tensor, lengths: Tensor, group_indexes: Tensor) -> Tensor:
        return group_indexes.to(torch.float64).unsqueeze(1).expand(-1, 3)


@pytest.mark.parametrize(
    "codes", [["GP", "MS"], [115, 116, 165, 241], []], ids=["strings", "integers", "none"]
)
def test_codes_become_the_modules_group_indexes(codes: list) -> None:
    label = "Group" if not codes else "code"
    group = {"column": label if codes else None, "label": label, "codes": codes}
    card = ModelCard.model_validate(card_with(group=group))
    predictor = Predictor(torch.jit.script(EchoGroupIndex()), card, MODEL_PATH)
    asked = [*codes, None, "nope", 999]
    rows = predictor.raw_outputs([[7.0]] * len(asked), asked)
    assert [row[0] for row in rows] == [*range(len(codes)), -1, -1, -1]
    known = [
        forecast.college_known for forecast in predictor.forecast_batch([[7.0]] * len(asked), asked)
    ]
    assert known == [True] * len(codes) + [None, False, False]


def test_card_that_is_not_json_is_refused(model_copy: Path) -> None:
    model_copy.with_suffix(".json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="cannot read model card"):
        load_predictor(model_copy)


def test_golden_mismatch_is_refused(model_copy: Path) -> None:
    card = json.loads(model_copy.with_suffix(".json").read_text())
    card["golden_examples"][0]["predicted_cgpa"] += 0.5
    model_copy.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match="golden example"):
        load_predictor(model_copy)


def test_vector_rounding_equals_python_round_even_at_halfway_points() -> None:
    """Large batches are rounded in torch; every value must still be Python's `round`."""
    generator = random.Random(0)
    values = [generator.uniform(0, 10) for _ in range(30_000)]
    for thousandths in range(10_001):  # decimal halfway points and their float neighbours
        exact = thousandths / 1000
        values += [exact, math.nextafter(exact, 0), math.nextafter(exact, 11), exact + 0.0005]
    values = values[: len(values) // 3 * 3]
    outputs = torch.tensor(values, dtype=torch.float64).view(-1, 3)
    expected = [[round(value, DECIMALS) for value in row] for row in outputs.tolist()]
    assert len(expected) >= VECTOR_ROUNDING_ROWS
    assert rounded_rows(outputs) == expected
    # The module returns a transposed (column-major) [B, 3] tensor; same answer.
    assert rounded_rows(outputs.t().contiguous().t()) == expected
