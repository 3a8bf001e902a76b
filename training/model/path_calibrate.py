"""The path's intervals and risks: each later horizon and the final CGPA calibrated on their own
out-of-fold residuals, per history length and by group where a cell allows (the rules of
`training.model.calibrate`, min_cell_size as at horizon 1), never by adding up one-step ones.

The final CGPA a student is served is the mean over every term of the grades given and the
path's forecasts (horizon 1 the network's, later ones `training.model.path`'s). Its residual,
for each training student with every term and each history length, is the actual mean minus
that mean built from out-of-fold forecasts only (each by the member that never saw the
student), so its interval covers the forecasts' correlated errors as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.config import TrainingConfig
from training.data import StudentTable, prefix_samples
from training.model.calibrate import Calibration, GroupCell, calibrate
from training.model.fit import FitResult
from training.model.path import HeldOutPath, PathRegression, fit_path_regression

METHOD = (
    "cross-fitted split conformal per (history length, horizon) and for the final CGPA "
    "(out-of-fold residuals of the served path), per group where a cell has at least "
    "min_cell_size of them"
)
# A cell's key: (history length, horizon or None for the final CGPA, group index or None
# for the pooled cell of every group).
CellKey = tuple[int, int | None, int | None]


@dataclass(frozen=True)
class PathFit:
    regression: PathRegression
    level: float
    min_cell_size: int
    cells: dict[CellKey, GroupCell]

    def cell(self, length: int, horizon: int | None, group: int) -> GroupCell:
        """The student's cell: its group's own when it is, else the pooled one."""
        return self.cells.get((length, horizon, group)) or self.cells[(length, horizon, None)]


def fit_path(
    table: StudentTable, student_ids: list[int], fit: FitResult, config: TrainingConfig
) -> PathFit:
    """The direct regression of the later horizons and every path cell, for a fitted network."""
    members = config.ensemble_size
    regression, held_out = fit_path_regression(
        fit.network, table, student_ids, fit.fold_of_student, members
    )
    history = fit.network.max_history
    cells: dict[CellKey, GroupCell] = {}
    for horizon in regression.horizons:
        samples = held_out.samples[horizon]
        residuals = samples.targets.astype(np.float64) - held_out.forecasts[horizon]
        _add_cells(cells, horizon, residuals, samples.lengths, samples.group_indexes, config)
    final = final_residuals(table, student_ids, fit, held_out)
    _add_cells(cells, None, *final, config)
    for length in range(1, history + 1):
        for horizon in [*range(2, history + 2 - length), None]:
            if (length, horizon, None) not in cells:
                raise ValueError(f"no held-out residual for length {length}, horizon {horizon}")
    return PathFit(regression, config.interval_level, config.min_cell_size, cells)


def final_residuals(
    table: StudentTable, student_ids: list[int], fit: FitResult, held_out: HeldOutPath
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Residuals, history lengths and group indexes of the final CGPA: every training student
    with every term (the longest history), at every history length, from out-of-fold
    forecasts."""
    history = fit.network.max_history
    next_rows = prefix_samples(table, sorted(student_ids), history)
    forecast: dict[tuple[int, int, int], float] = {}
    served = next_rows.targets.astype(np.float64) - fit.calibration_residuals
    for student, length, value in zip(
        next_rows.student_ids, next_rows.lengths, served, strict=True
    ):
        forecast[(int(student), int(length), 1)] = float(value)
    for horizon, samples in held_out.samples.items():
        values = held_out.forecasts[horizon]
        for student, length, value in zip(
            samples.student_ids, samples.lengths, values, strict=True
        ):
            forecast[(int(student), int(length), horizon)] = float(value)
    terms = history + 1  # the final CGPA's semesters: every term of the longest history
    groups = table.group_indexes(table.students)
    rows: list[tuple[float, int, int]] = []
    for student in sorted(student_ids):
        grades = table.students[student].history
        if len(grades) != terms:
            continue
        for length in range(1, history + 1):
            later = [forecast[(student, length, h)] for h in range(1, terms - length + 1)]
            served_mean = (sum(grades[:length]) + sum(later)) / terms
            rows.append((float(np.mean(grades)) - served_mean, length, int(groups[student])))
    residuals, lengths, indexes = zip(*rows, strict=True) if rows else ((), (), ())
    return np.array(residuals), np.array(lengths, np.int64), np.array(indexes, np.int64)


def _add_cells(
    cells: dict[CellKey, GroupCell],
    horizon: int | None,
    residuals: np.ndarray,
    lengths: np.ndarray,
    group_indexes: np.ndarray,
    config: TrainingConfig,
) -> None:
    """One horizon's (or the final CGPA's) pooled cell per length that has residuals, and
    the group cells that are their own."""
    if len(residuals) == 0:
        return
    history = int(lengths.max())
    found: Calibration = calibrate(
        residuals, lengths, history, config.interval_level, group_indexes, config.min_cell_size
    )
    for length, size in found.size_by_length.items():
        if size:
            cells[(length, horizon, None)] = GroupCell(
                size, found.half_width_by_length[length], found.residuals_by_length[length]
            )
    for (length, group), cell in found.cells.items():
        cells[(length, horizon, group)] = cell
