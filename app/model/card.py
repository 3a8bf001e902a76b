"""The model card: the JSON file that travels beside the checkpoint.

This schema is the whole contract between `training/` (which writes it) and `app/` (which
reads it). Training imports it to write a card; the app imports it to read one. Bumping
`FORMAT_VERSION` means an older service refuses the newer card instead of misreading it.

The TorchScript module the card describes has one method:

    forward(grades: float64[B, T], lengths: int64[B], college_codes: int64[B]) -> float64[B, 3]

`grades` are raw 0-10 grades, oldest first, right-padded with anything (ignored) past each
student's `lengths[i]`; `college_codes` are raw college codes, `-1` for "not given", and any
code not in `colleges` falls into the unknown slot. The three output columns are the predicted
grade, the interval's low and high end, all clamped to [0, 10].
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

FORMAT_VERSION = 1
NO_COLLEGE = -1
# Every model so far is trained on 0-10 grades; the card will carry its own scale.
GRADE_SCALE = (0.0, 10.0)


class GoldenExample(BaseModel):
    """An input and the exact output the checkpoint gave for it when it was written."""

    model_config = ConfigDict(extra="forbid")

    grades: list[float] = Field(min_length=1)
    college_code: int | None = None
    predicted_cgpa: float
    low: float
    high: float


class IntervalSpec(BaseModel):
    """A split-conformal prediction interval: prediction ± half-width, by history length."""

    model_config = ConfigDict(extra="forbid")

    level: float = Field(gt=0, lt=1)
    method: str
    # JSON object keys are strings; pydantic turns "4" back into 4.
    half_width_by_length: dict[int, float]
    calibration_size: int = Field(ge=1)


class ModelCard(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    format_version: int
    model_version: str
    created_at: datetime
    torch_version: str
    checkpoint_file: str
    checkpoint_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    data_file: str
    data_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    seed: int
    hyperparameters: dict[str, Any]
    min_history: int = Field(ge=1)
    max_history: int = Field(ge=1)
    colleges: list[int]
    interval: IntervalSpec
    metrics: dict[str, Any]
    golden_examples: list[GoldenExample] = Field(min_length=1)
    training_command: str

    @model_validator(mode="after")
    def _history_range_is_sane(self) -> ModelCard:
        if self.min_history > self.max_history:
            raise ValueError("min_history is larger than max_history")
        return self

    @property
    def scale(self) -> tuple[float, float]:
        """The lowest and highest grade of the model's scale."""
        return GRADE_SCALE

    @classmethod
    def read(cls, path: Path) -> ModelCard:
        """Parse a card; raises ValueError (with the file named) on any problem."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"cannot read model card {path}: {error}") from error
        version = raw.get("format_version") if isinstance(raw, dict) else None
        if version != FORMAT_VERSION:
            raise ValueError(
                f"model card {path} has format_version {version!r}; "
                f"this service reads format_version {FORMAT_VERSION}"
            )
        try:
            return cls.model_validate(raw)
        except ValueError as error:
            raise ValueError(f"model card {path} is invalid: {error}") from error

    def write(self, path: Path) -> None:
        """Write atomically: a crash never leaves a half-written card."""
        write_atomically(path, (self.model_dump_json(indent=2) + "\n").encode("utf-8"))


def write_atomically(path: Path, payload: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates 0600; a card or checkpoint must be readable by the service's user.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def sha256_hex(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def sha256_of_file(path: Path) -> str:
    """The file's sha256, read in blocks (a checkpoint need not fit in memory twice)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
