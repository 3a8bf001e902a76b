"""Checkpoints for swapping: a valid new version of a checkpoint, and damaged ones.

A retrained model is what a reload swaps in; retraining takes seconds, so tests and the
reload benchmark derive one instead: the same module with one bias nudged, saved, with a
card whose sha256, version and golden examples are those of the new bytes. The service then
verifies it exactly as it verifies any checkpoint.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import torch

from app.model.card import ModelCard
from app.model.files import sha256_hex, write_atomically
from app.model.predictor import Predictor, card_path_for


def derived_checkpoint(source: Path, target: Path, nudge: float) -> str:
    """Writes a valid checkpoint + card at `target` whose answers differ from `source`'s;
    returns its model version. Files are written atomically (card last), as training does."""
    module = torch.jit.load(str(source), map_location="cpu")
    with torch.no_grad():
        module.input_bias.add_(nudge)
    buffer = io.BytesIO()
    torch.jit.save(module, buffer)
    payload = buffer.getvalue()
    card = ModelCard.read(card_path_for(source))
    reloaded = torch.jit.load(io.BytesIO(payload))
    predictor = Predictor(reloaded, card, target)
    examples = card.golden_examples
    rows = predictor.raw_outputs(
        [example.grades for example in examples], [example.college_code for example in examples]
    )
    # A format 4 card's golden paths are the new module's too (through the last semester).
    paths: list[list[float] | None] = [None] * len(examples)
    if card.path is not None:
        served = predictor.path_batch(
            [example.grades for example in examples], [example.college_code for example in examples]
        )
        paths = [
            row[: card.path.final_semesters - len(example.grades)]
            for example, row in zip(examples, served, strict=True)
        ]
    golden = [
        example.model_copy(
            update={"predicted_cgpa": row[0], "low": row[1], "high": row[2], "path": path}
        )
        for example, row, path in zip(examples, rows, paths, strict=True)
    ]
    sha = sha256_hex(payload)
    version = f"{card.model_version.split('+')[0]}+{sha[:8]}"
    new_card = card.model_copy(
        update={"checkpoint_sha256": sha, "model_version": version, "golden_examples": golden}
    )
    write_atomically(target, payload)
    new_card.write(card_path_for(target))
    return version


def copy_checkpoint(source: Path, target: Path) -> None:
    """`source` and its card to `target`, atomically (card last)."""
    write_atomically(target, source.read_bytes())
    write_atomically(card_path_for(target), card_path_for(source).read_bytes())


def damage_checkpoint(target: Path) -> None:
    """Flips bytes in the middle of the checkpoint: its sha256 no longer matches its card."""
    payload = bytearray(target.read_bytes())
    middle = len(payload) // 2
    payload[middle : middle + 16] = bytes(255 - byte for byte in payload[middle : middle + 16])
    write_atomically(target, bytes(payload))


def model_folder(source: Path, folder: Path) -> Path:
    """A fresh folder holding a copy of `source` and its card; returns the copy's path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copy(source, target)
    shutil.copy(card_path_for(source), card_path_for(target))
    return target


def older_format_checkpoint(source: Path, target: Path, format_version: int = 3) -> None:
    """`source`'s module under a card of an older format (no path, no golden paths): what a
    service serving a model trained before #27 part 2 reads. The module's bytes are the
    same, so its sha256 and golden examples still hold."""
    card = ModelCard.read(card_path_for(source))
    examples = [example.model_copy(update={"path": None}) for example in card.golden_examples]
    older = card.model_copy(
        update={"format_version": format_version, "path": None, "golden_examples": examples}
    )
    write_atomically(target, source.read_bytes())
    older.write(card_path_for(target))
