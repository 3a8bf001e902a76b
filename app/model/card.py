"""The model card: the JSON file that travels beside the checkpoint.

This schema is the whole contract between `training/` (which writes it) and `app/` (which
reads it). Training imports it to write a card; the app imports it to read one. Bumping
`FORMAT_VERSION` means an older service refuses the newer card instead of misreading it.

Format 3 added the interval's own (history length, group) cells (`IntervalSpec.group_cells`,
#27): the module's interval and the risk then depend on the group as well as the length, which
an older service would describe wrongly (its `GET /model` would show per-length half-widths
the module no longer serves), so it is a new format rather than an optional field. This
service still reads format 2 (`READABLE_FORMATS`): a card without cells, whose every student
gets the per-length (pooled) interval and residuals.

Format 4 added the road to graduation (#27 part 2): `path` (PathSpec) calibrates each later
horizon and the final CGPA on their own held-out residuals, and the module gains a `path`
method. Format 2 and 3 cards are still served; a request for a path is then refused with
a 422 saying the model must be retrained.

The TorchScript module the card describes has one method (format 4: two, see below):

    forward(grades: float64[B, T], lengths: int64[B], group_indexes: int64[B]) -> float64[B, 3]

`grades` are raw grades on the card's `grade_scale`, oldest first, right-padded with anything
(never read) past each student's `lengths[i]`. `group_indexes[i]` is the position of student
i's code in `group.codes`, or `UNKNOWN_GROUP_INDEX` (-1) when no code was given or the code is
unknown: the model's "unknown group" slot (so is any index outside the codes). The three
output columns are the predicted grade, the interval's low and high end, all clamped to
[grade_scale.low, grade_scale.high].

Format 4 modules also export
    path(grades: float64[B, T], lengths: int64[B], group_indexes: int64[B]) -> float64[B, H]
with H = path.final_semesters - min_history and the same inputs: column h - 1 is the point
forecast of semester lengths[i] + h (horizon h), clamped to the scale, for every h with
lengths[i] + h <= path.final_semesters, and NaN past that last semester. Column 0 equals forward's
column 0 exactly (the next semester of a path is the answer's own forecast). Intervals and
risks of the path are not in the module: the service adds them from `path` below.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.model.card_calibration import IntervalSpec, PathSpec
from app.model.files import write_atomically

FORMAT_VERSION = 4
# The formats this service reads: format 2 is format 3 without `interval.group_cells`, and
# format 3 is format 4 without `path`.
READABLE_FORMATS = (2, 3, 4)
# The wire formats' "no college given" (the Open Inference Protocol's college_code tensor).
NO_COLLEGE = -1
# The module's group index for "no code given, or a code the model does not know".
UNKNOWN_GROUP_INDEX = -1


class GradeScale(BaseModel):
    """The lowest and highest grade of the scale the model was trained on."""

    model_config = ConfigDict(extra="forbid")

    low: float
    high: float

    @model_validator(mode="after")
    def _low_below_high(self) -> GradeScale:
        if not self.low < self.high:
            raise ValueError(f"grade_scale low {self.low} is not below high {self.high}")
        return self


class GroupSpec(BaseModel):
    """The group column (college, programme, school...) the model knows the codes of."""

    model_config = ConfigDict(extra="forbid")

    column: str | None  # the column's name as found in the file; None when trained without
    label: str = Field(min_length=1)  # what a page calls it: the column name, or "Group"
    # As found in the file: integers stay integers, strings stay strings; sorted, unique.
    codes: list[int] | list[str]

    @model_validator(mode="after")
    def _codes_sorted_and_unique(self) -> GroupSpec:
        codes: list[Any] = list(self.codes)
        if codes != sorted(set(codes)):
            raise ValueError("group codes must be sorted and unique")
        if self.column is None and codes:
            raise ValueError("group codes without a group column")
        return self


class GradeRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> GradeRange:
        if self.low > self.high:
            raise ValueError(f"grade range low {self.low} is above high {self.high}")
        return self


class GoldenExample(BaseModel):
    """An input and the exact output the checkpoint gave for it when it was written."""

    model_config = ConfigDict(extra="forbid")

    grades: list[float] = Field(min_length=1)
    college_code: int | str | None = None
    predicted_cgpa: float
    low: float
    high: float
    # Format 4: the module's `path` output for it (its columns through the last semester).
    path: list[float] | None = None


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
    grade_scale: GradeScale
    term_count: int = Field(ge=2)  # terms in the training data (columns, or distinct terms)
    min_history: int = Field(ge=1)
    max_history: int = Field(ge=1)  # the longest training history minus its last term
    group: GroupSpec
    # Per history position (0 = a student's first term), length max_history: the lowest and
    # highest grade seen in training, and the training population's mean grade.
    grade_range_by_position: list[GradeRange]
    grade_mean_by_position: list[float]
    interval: IntervalSpec
    # Format 4: the later horizons and the final CGPA (None in formats 2 and 3).
    path: PathSpec | None = None
    metrics: dict[str, Any]
    golden_examples: list[GoldenExample] = Field(min_length=1)
    training_command: str

    @model_validator(mode="after")
    def _history_range_is_sane(self) -> ModelCard:
        if self.min_history > self.max_history:
            raise ValueError("min_history is larger than max_history")
        if self.max_history >= self.term_count:
            raise ValueError("max_history must be below term_count (the last term is a target)")
        for name in ("grade_range_by_position", "grade_mean_by_position"):
            if len(getattr(self, name)) != self.max_history:
                raise ValueError(f"{name} must have max_history ({self.max_history}) entries")
        interval = self.interval
        if self.format_version < 3 and (interval.group_cells or interval.min_cell_size):
            raise ValueError("interval cells by group need format_version 3")
        if self.format_version >= 3 and interval.min_cell_size is None:
            raise ValueError("a format 3 card's interval needs min_cell_size")
        if (self.path is not None) != (self.format_version >= 4):
            raise ValueError("a card has `path` exactly when its format_version is 4 or more")
        codes: list[Any] = list(self.group.codes)
        if self.path is not None:
            self._check_path(self.path, codes)
        for cell in interval.group_cells:
            if cell.group not in codes or not 1 <= cell.length <= self.max_history:
                raise ValueError(
                    f"interval cell (length {cell.length}, group {cell.group!r}) is not a "
                    "history length and group code of this card"
                )
        return self

    def _check_path(self, path: PathSpec, codes: list[Any]) -> None:
        if path.final_semesters != self.max_history + 1:
            raise ValueError("path.final_semesters must equal max_history + 1")
        pooled = {(cell.length, cell.horizon) for cell in path.cells if cell.group is None}
        for cell in path.cells:
            if cell.group is not None and cell.group not in codes:
                raise ValueError(f"path cell group {cell.group!r} is not a code of this card")
            if not self.min_history <= cell.length <= self.max_history:
                raise ValueError(f"path cell length {cell.length} is not a history length")
        for length in range(self.min_history, self.max_history + 1):
            wanted = [*range(2, path.final_semesters - length + 1), None]
            missing = [h for h in wanted if (length, h) not in pooled]
            if missing:
                raise ValueError(f"path has no pooled cell for length {length}, horizons {missing}")

    @property
    def path_horizons(self) -> int:
        """Columns of the module's `path` output: the most semesters after a history."""
        last = self.path.final_semesters if self.path is not None else self.term_count
        return last - self.min_history

    def public_json(self) -> dict[str, Any]:
        """The card as `GET /model` shows it: as written, so a format 2 card shows no
        format 3 fields."""
        shown = self.model_dump(mode="json")
        if self.format_version < 4:
            shown.pop("path")
        if self.format_version < 3:
            for name in ("min_cell_size", "group_cells"):
                shown["interval"].pop(name)
        return shown

    @property
    def scale(self) -> tuple[float, float]:
        """The lowest and highest grade of the model's scale."""
        return (self.grade_scale.low, self.grade_scale.high)

    @classmethod
    def read(cls, path: Path) -> ModelCard:
        """Parse a card; raises ValueError (with the file named) on any problem."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"cannot read model card {path}: {error}") from error
        version = raw.get("format_version") if isinstance(raw, dict) else None
        if version not in READABLE_FORMATS:
            readable = " or ".join(map(str, READABLE_FORMATS))
            raise ValueError(
                f"model card {path} has format_version {version!r}; "
                f"this service reads format_version {readable}"
            )
        try:
            return cls.model_validate(raw)
        except ValueError as error:
            raise ValueError(f"model card {path} is invalid: {error}") from error

    def write(self, path: Path) -> None:
        """Write atomically: a crash never leaves a half-written card."""
        write_atomically(path, (self.model_dump_json(indent=2) + "\n").encode("utf-8"))
