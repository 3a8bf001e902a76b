"""Write the TorchScript checkpoint and its model card, atomically and verifiably.

Golden examples are computed from the file as written (loaded back with `torch.jit.load`), not
from the in-memory module, so the service can check it loaded exactly these bytes' behaviour.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from app.model.card import (
    FORMAT_VERSION,
    UNKNOWN_GROUP_INDEX,
    GoldenExample,
    GradeRange,
    GradeScale,
    GroupSpec,
    ModelCard,
)
from app.model.card_calibration import IntervalCell, IntervalSpec
from app.model.files import sha256_hex, sha256_of_file, write_atomically
from training.export.path_card import golden_path, path_spec
from training.model.calibrate import METHOD, Calibration
from training.model.path_calibrate import PathFit

CHECKPOINT_NAME = "cgpa_rnn.pt"
CARD_NAME = "cgpa_rnn.json"
MODEL_MAJOR_VERSION = "1.0.0"

GroupCode = int | str
# Golden histories on a 0-10 scale, mapped onto the model's scale; a full history of a
# longer model repeats them.
_BASE = (7.1, 7.4, 7.9, 8.0, 8.2, 8.3, 8.4, 8.5, 8.6, 8.7)


@dataclass(frozen=True)
class GoldenInput:
    grades: tuple[float, ...]
    college_code: GroupCode | None


def golden_inputs(
    codes: Sequence[GroupCode], max_history: int, scale: tuple[float, float] = (0.0, 10.0)
) -> list[GoldenInput]:
    """A four-grade history with a known group, the shortest, a middle one, unknown and
    missing groups, and the longest history the model takes."""
    known = codes[0] if codes else None
    unknown = _unknown_code(codes)
    low, high = scale

    def on_scale(*grades: float) -> tuple[float, ...]:
        return tuple(round(low + (high - low) * grade / 10, 2) for grade in grades[:max_history])

    longest = [_BASE[i % len(_BASE)] for i in range(max_history)]
    chosen = [
        GoldenInput(on_scale(*_BASE[:4]), known),
        GoldenInput(on_scale(6.5), known),
        GoldenInput(on_scale(5.8, 6.2, 6.0), known),
        GoldenInput(on_scale(7.5, 7.0), unknown),
        GoldenInput(on_scale(8.4, 8.1, 7.6), None),
        GoldenInput(on_scale(*longest), known),
    ]
    unique: list[GoldenInput] = []
    for example in chosen:
        if example not in unique:
            unique.append(example)
    return unique


def _unknown_code(codes: Sequence[GroupCode]) -> GroupCode | None:
    """A code of the codes' type that the model has never seen (999 for the Kaggle data)."""
    if not codes:
        return None
    integers = [code for code in codes if isinstance(code, int)]
    if integers:  # the codes are all of one type
        return max([*integers, 998]) + 1
    unknown = "unknown"
    while unknown in codes:
        unknown += "?"
    return unknown


@torch.no_grad()
def run_module(
    module: Callable[..., torch.Tensor],
    inputs: Sequence[GoldenInput],
    codes: Sequence[GroupCode],
) -> torch.Tensor:
    """One padded batch through the module (or one of its methods), the way the service
    calls it."""
    width = max(len(example.grades) for example in inputs)
    grades = torch.zeros(len(inputs), width, dtype=torch.float64)
    for row, example in enumerate(inputs):
        grades[row, : len(example.grades)] = torch.tensor(example.grades, dtype=torch.float64)
    lengths = torch.tensor([len(example.grades) for example in inputs], dtype=torch.int64)
    index: dict[GroupCode | None, int] = {code: at for at, code in enumerate(codes)}
    group_indexes = torch.tensor(
        [index.get(example.college_code, UNKNOWN_GROUP_INDEX) for example in inputs],
        dtype=torch.int64,
    )
    return module(grades, lengths, group_indexes)


@torch.no_grad()
def run_path(
    module: torch.jit.ScriptModule, inputs: Sequence[GoldenInput], codes: Sequence[GroupCode]
) -> torch.Tensor:
    """`run_module` through the module's `path` method."""
    path: Callable[..., torch.Tensor] = module.path
    return run_module(path, inputs, codes)


def checkpoint_bytes(scripted: torch.jit.ScriptModule) -> bytes:
    buffer = io.BytesIO()
    torch.jit.save(scripted, buffer)
    return buffer.getvalue()


def export(
    scripted: torch.jit.ScriptModule,
    out_dir: Path,
    *,
    data_path: Path,
    seed: int,
    hyperparameters: dict[str, Any],
    scale: tuple[float, float],
    term_count: int,
    group: GroupSpec,
    max_history: int,
    grade_ranges: Sequence[tuple[float, float]],
    grade_means: Sequence[float],
    calibration: Calibration,
    path: PathFit,
    metrics: dict[str, Any],
    training_command: str,
    data_name: str | None = None,
    data_sha256: str | None = None,
) -> ModelCard:
    """Save checkpoint then card (each written to a temp file and renamed); return the card.
    `data_name` and `data_sha256` name data that is not the file read (a store's export)."""
    payload = checkpoint_bytes(scripted)
    checkpoint_sha = sha256_hex(payload)
    # Golden outputs come from the bytes that will be on disk, loaded with no project code.
    reloaded = torch.jit.load(io.BytesIO(payload))
    inputs = golden_inputs(group.codes, max_history, scale)
    with torch.inference_mode():
        outputs = run_module(reloaded, inputs, group.codes).tolist()
        paths = run_path(reloaded, inputs, group.codes).tolist()
    golden = [
        GoldenExample(
            grades=list(example.grades),
            college_code=example.college_code,
            predicted_cgpa=output[0],
            low=output[1],
            high=output[2],
            path=golden_path(row, len(example.grades), max_history + 1),
        )
        for example, output, row in zip(inputs, outputs, paths, strict=True)
    ]
    card = ModelCard(
        format_version=FORMAT_VERSION,
        model_version=f"{MODEL_MAJOR_VERSION}+{checkpoint_sha[:8]}",
        created_at=datetime.now(UTC),
        torch_version=torch.__version__,
        checkpoint_file=CHECKPOINT_NAME,
        checkpoint_sha256=checkpoint_sha,
        data_file=data_name or data_path.name,
        data_sha256=data_sha256 or sha256_of_file(data_path),
        seed=seed,
        hyperparameters=hyperparameters,
        grade_scale=GradeScale(low=scale[0], high=scale[1]),
        term_count=term_count,
        min_history=1,
        max_history=max_history,
        group=group,
        grade_range_by_position=[GradeRange(low=low, high=high) for low, high in grade_ranges],
        grade_mean_by_position=list(grade_means),
        interval=IntervalSpec(
            level=calibration.level,
            method=METHOD,
            half_width_by_length=calibration.half_width_by_length,
            calibration_size=calibration.calibration_size,
            residuals_by_length=calibration.residuals_by_length,
            min_cell_size=calibration.min_cell_size,
            group_cells=[
                IntervalCell(
                    length=length,
                    group=group.codes[index],
                    size=cell.size,
                    half_width=cell.half_width,
                    residuals=cell.residuals,
                )
                for (length, index), cell in sorted(calibration.cells.items())
            ],
        ),
        path=path_spec(path, group.codes),
        metrics=metrics,
        golden_examples=golden,
        training_command=training_command,
    )
    # Checkpoint first: if the card write fails, the old card's sha no longer matches the new
    # checkpoint, so the service refuses the pair instead of serving a mismatched model.
    write_atomically(out_dir / CHECKPOINT_NAME, payload)
    card.write(out_dir / CARD_NAME)
    return card
