"""The card's `path` (format 4): the path's cells as `PathSpec`, group indexes as codes."""

from __future__ import annotations

from collections.abc import Sequence

from app.model.card_calibration import GroupCode, PathCell, PathSpec
from training.model.path_calibrate import METHOD, PathFit


def path_spec(path: PathFit, codes: Sequence[GroupCode]) -> PathSpec:
    """Pooled cells first, then the groups' own, each by (length, horizon; final last)."""

    def order(key: tuple[int, int | None, int | None]) -> tuple[int, int, int, int]:
        length, horizon, group = key
        return (group is not None, length, horizon or path.regression.final_semesters, group or 0)

    cells = [
        PathCell(
            length=length,
            horizon=horizon,
            group=None if group is None else codes[group],
            size=cell.size,
            half_width=cell.half_width,
            residuals=cell.residuals,
        )
        for (length, horizon, group), cell in sorted(path.cells.items(), key=lambda i: order(i[0]))
    ]
    return PathSpec(
        final_semesters=path.regression.final_semesters,
        method=METHOD,
        min_cell_size=path.min_cell_size,
        cells=cells,
    )


def golden_path(row: Sequence[float], history: int, final_semesters: int) -> list[float]:
    """The module's path output for one golden input: its columns through the last semester."""
    return list(row[: final_semesters - history])
