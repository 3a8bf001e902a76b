"""The later terms of a student's path (#27 part 2): per (history length, horizon >= 2), a
direct linear regression of grade length + horizon on the history, a bias and the group
one-hot, with no penalty (the closed form of `training.model.blend.regression_by_length`, the
horizon-1 bar, on that horizon's rows). Horizon 1 stays the network's own forecast.

`fit_path_regression` fits it on every training student that has the term, and, per
cross-fitting member, on that member's training students only, so each student gets a
forecast of every later term from a regression that never saw it: the out-of-fold forecasts
that calibrate each horizon and the final CGPA (`training.model.path_calibrate`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from training.data import Samples, StudentTable, prefix_samples
from training.model.blend import regression_by_length
from training.model.network import GradeSequenceNet


@dataclass(frozen=True)
class PathRegression:
    """Raw-grade tables: horizon h's forecast for a history of length l in group slot g is
    grades @ weight[h - 2, :, l - 1] + offset[h - 2, g, l - 1], clamped to the scale. The
    last slot is the unknown group (the training rows' average group, as at horizon 1)."""

    final_semesters: int  # the last semester of a path: the longest history (max_history + 1)
    scale: tuple[float, float]
    weight: Tensor  # float64 [later horizons, step, length]; zero past each length
    offset: Tensor  # float64 [later horizons, slot, length]

    @property
    def horizons(self) -> range:
        """The later horizons: 2 up to final_semesters - 1 (a history has at least one term)."""
        return range(2, self.final_semesters)

    def predict(self, samples: Samples, horizon: int) -> np.ndarray:
        """The served (clamped) forecast of grade length + horizon for each row."""
        index = horizon - 2
        return _forecast(self.weight[index], self.offset[index], samples, self.scale)


@dataclass(frozen=True)
class HeldOutPath:
    """Per later horizon: the training students' rows (`prefix_samples` at that horizon) and
    each row's forecast by the regression of the member that never trained on its student."""

    samples: dict[int, Samples]
    forecasts: dict[int, np.ndarray]


def fit_path_regression(
    network: GradeSequenceNet,
    table: StudentTable,
    student_ids: list[int],
    fold_of_student: dict[int, int],
    members: int,
) -> tuple[PathRegression, HeldOutPath]:
    """The regression on every training row, and the members' out-of-fold forecasts.
    `network` lends its standardisation and group slots (the rows are solved in its
    standardised units, as at horizon 1)."""
    history = network.max_history
    slots = network.shape.slots
    later = range(2, history + 1)  # up to the last semester, history + 1
    weight = torch.zeros(len(later), history, history, dtype=torch.float64)
    offset = torch.zeros(len(later), slots, history, dtype=torch.float64)
    held_out = HeldOutPath({}, {})
    for index, horizon in enumerate(later):
        samples = prefix_samples(table, sorted(student_ids), history, horizon)
        if len(samples) == 0:
            raise ValueError(f"no training student has a term {horizon} after a history")
        rows = _standardised_rows(network, samples)
        everyone = regression_by_length(network, rows, torch.ones(1, len(samples)))
        weight[index], offset[index] = _raw_tables(network, *(part[0] for part in everyone))
        member = torch.tensor([fold_of_student[int(s)] for s in samples.student_ids])
        trained_on = (member.unsqueeze(0) != torch.arange(members).unsqueeze(1)).double()
        per_member = regression_by_length(network, rows, trained_on)
        forecasts = np.zeros(len(samples))
        for k in range(members):
            own = (member == k).numpy()
            tables = _raw_tables(network, *(part[k] for part in per_member))
            forecasts[own] = _forecast(*tables, samples.select(own), table.scale)
        held_out.samples[horizon] = samples
        held_out.forecasts[horizon] = forecasts
    return PathRegression(history + 1, table.scale, weight, offset), held_out


def _standardised_rows(
    network: GradeSequenceNet, samples: Samples
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    standardised, lengths = network.standardise(
        torch.from_numpy(samples.grades), torch.from_numpy(samples.lengths)
    )
    slots = network.group_slots(torch.from_numpy(samples.group_indexes))
    targets = (torch.from_numpy(samples.targets) - network.grade_mean) / network.grade_std
    return standardised, lengths, slots, targets


def _raw_tables(
    network: GradeSequenceNet, weight: Tensor, bias: Tensor, group: Tensor
) -> tuple[Tensor, Tensor]:
    """One solution in standardised units (weight [length, step], bias [length], group
    [slot, length]) as raw-grade tables [step, length] and [slot, length]: a * z =
    (a / s) * x - a * m / s, the output * s + m (rewrite 2 of
    `training.export.serving_module`)."""
    mean, std = float(network.grade_mean), float(network.grade_std)
    linear = torch.tril(weight.double())
    if network.predict_change:  # the target was the change from the last grade
        linear = linear + torch.eye(linear.shape[0], dtype=torch.float64)
    offsets = bias.double().unsqueeze(0) + group.double()
    offsets = mean + std * offsets - mean * linear.sum(1).unsqueeze(0)
    return linear.t().contiguous(), offsets


def _forecast(
    weight: Tensor, offset: Tensor, samples: Samples, scale: tuple[float, float]
) -> np.ndarray:
    """[step, length] and [slot, length] tables applied to rows, clamped to the scale."""
    if len(samples) == 0:
        return np.zeros(0)
    lengths = torch.from_numpy(samples.lengths)
    grades = torch.from_numpy(samples.grades).double()
    present = torch.arange(grades.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)
    grades = torch.where(present, grades, torch.zeros_like(grades))
    groups = offset.shape[0] - 1
    indexes = torch.from_numpy(samples.group_indexes)
    slots = torch.where((indexes >= 0) & (indexes < groups), indexes, groups)
    forecast = (grades * weight[:, lengths - 1].t()).sum(1) + offset[slots, lengths - 1]
    return forecast.clamp(*scale).numpy()
