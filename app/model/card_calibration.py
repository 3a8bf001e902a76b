"""The card's calibration sections: the next semester's interval (`IntervalSpec`, by history
length and by (length, group) cell) and the path's later horizons and final CGPA
(`PathSpec`), with the rule for the residuals both keep. `app/model/card.py` holds them in
`ModelCard`; their meaning for the service is in `app/model/risk.py` and `app/model/path.py`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

# One group (college) code as the card's `group.codes` hold it: an integer or a string, as
# found in the training file. Where a code may be absent, the type says so: `GroupCode | None`.
GroupCode = int | str
# The most out-of-fold residuals the card keeps per history length (or cell).
RESIDUALS_KEPT = 1000


def check_residuals(residuals: list[float], where: str) -> None:
    if len(residuals) > RESIDUALS_KEPT:
        raise ValueError(f"more than {RESIDUALS_KEPT} residuals for {where}")
    if residuals != sorted(residuals):
        raise ValueError(f"residuals for {where} are not sorted")


class IntervalCell(BaseModel):
    """A (history length, group) cell calibrated on its own held-out residuals (Mondrian
    split conformal), because it had at least `IntervalSpec.min_cell_size` of them."""

    model_config = ConfigDict(extra="forbid")

    length: int = Field(ge=1)
    group: GroupCode  # a code of the card's `group.codes`
    size: int = Field(ge=1)  # the cell's held-out residuals (before thinning to RESIDUALS_KEPT)
    half_width: float = Field(ge=0)
    residuals: list[float] = Field(min_length=1)  # signed, sorted, as `residuals_by_length`


class IntervalSpec(BaseModel):
    """A split-conformal prediction interval: prediction ± half-width, by history length, and
    by (history length, group) in the cells that are their own."""

    model_config = ConfigDict(extra="forbid")

    level: float = Field(gt=0, lt=1)
    method: str
    # JSON object keys are strings; pydantic turns "4" back into 4. Pooled over every group:
    # the interval of a student whose (length, group) cell is not its own, or who has no
    # known group.
    half_width_by_length: dict[int, float]
    calibration_size: int = Field(ge=1)
    # Signed out-of-fold residuals (target - prediction, grade scale) per history length,
    # sorted ascending, at most RESIDUALS_KEPT per length (evenly spaced order statistics).
    residuals_by_length: dict[int, list[float]]
    # Format 3: the fewest held-out residuals a cell needs to be its own (None in format 2;
    # 0: calibrated per length only), and the cells that are; every other (length, group)
    # falls back to its length's pooled residuals and half-width.
    min_cell_size: int | None = Field(default=None, ge=0)
    group_cells: list[IntervalCell] = Field(default_factory=list)

    @model_validator(mode="after")
    def _residuals_sorted(self) -> IntervalSpec:
        for length, residuals in self.residuals_by_length.items():
            check_residuals(residuals, f"length {length}")
        seen: set[tuple[int, GroupCode]] = set()
        for cell in self.group_cells:
            where = f"length {cell.length}, group {cell.group!r}"
            check_residuals(cell.residuals, where)
            if (cell.length, cell.group) in seen:
                raise ValueError(f"two interval cells for {where}")
            seen.add((cell.length, cell.group))
            if self.min_cell_size is None or cell.size < self.min_cell_size:
                raise ValueError(f"the interval cell for {where} is below min_cell_size")
        return self


class PathCell(BaseModel):
    """The held-out residuals of one (history length, horizon) of the path, or of the final
    CGPA (`horizon` None), pooled over every group (`group` None) or of one group's own cell
    (a code of `group.codes`, when it had at least `PathSpec.min_cell_size` residuals).
    Residuals are signed (actual - served point forecast, after clamping), sorted, at most
    RESIDUALS_KEPT (evenly spaced order statistics); `half_width` is the split-conformal
    quantile of their absolute values at the card's `interval.level`, from all `size`."""

    model_config = ConfigDict(extra="forbid")
    length: int = Field(ge=1)
    # Semesters after the history: 2 up to term_count - length (horizon 1 is the next
    # semester, calibrated by `interval`); None for the final CGPA.
    horizon: int | None = Field(default=None, ge=2)
    group: GroupCode | None = None
    size: int = Field(ge=1)
    half_width: float = Field(ge=0)
    residuals: list[float] = Field(min_length=1)


class PathSpec(BaseModel):
    """Format 4: how the path's later horizons and the final CGPA are calibrated.

    The final CGPA is the mean of all `final_semesters` semesters: the grades given and the
    path's forecasts. Its interval is that mean ± its own cell's half-width (never a sum of
    the horizons' intervals), clamped to the scale; P(final < cut-off) reads the same cell's
    residuals as app/model/risk.py reads the next semester's. A student's cell is the
    (length, horizon, group) one when the card has it, else the pooled (group None) one of
    that (length, horizon); every (length, horizon) the module forecasts has a pooled cell.
    """

    model_config = ConfigDict(extra="forbid")
    # The semesters the final CGPA averages: max_history + 1, the longest training history
    # (a wide file's term_count; a long export of several cohorts has more distinct terms
    # than any one student, and only a history that long calibrates the last horizons).
    final_semesters: int = Field(ge=2)
    method: str  # e.g. "split conformal per (history length, horizon), Mondrian by group"
    min_cell_size: int = Field(ge=0)
    cells: list[PathCell] = Field(min_length=1)

    @model_validator(mode="after")
    def _cells_sane(self) -> PathSpec:
        seen: set[tuple[int, int | None, GroupCode | None]] = set()
        for cell in self.cells:
            where = (
                f"path cell (length {cell.length}, horizon {cell.horizon}, group {cell.group!r})"
            )
            check_residuals(cell.residuals, where)
            key = (cell.length, cell.horizon, cell.group)
            if key in seen:
                raise ValueError(f"two cells for {where}")
            seen.add(key)
            if cell.horizon is not None and cell.length + cell.horizon > self.final_semesters:
                raise ValueError(f"{where} is past the last semester")
            if cell.group is not None and cell.size < self.min_cell_size:
                raise ValueError(f"{where} is below min_cell_size")
        return self
