"""The network rolled forward: each later grade forecast by feeding the network its own
forecasts (clamped, as served) as the grades in between. `training.model.path` mixes it into
the direct regression of a (history length, horizon) where held-out rows show it helps."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from training.data import Samples
from training.model.network import GradeSequenceNet


@torch.no_grad()
def rolled_forward(network: GradeSequenceNet, samples: Samples, horizon: int) -> np.ndarray:
    """The fitted network's (the ensemble's, as served) forecast of grade length + horizon."""
    grades = torch.from_numpy(samples.grades).clone()
    lengths = torch.from_numpy(samples.lengths).clone()
    groups = torch.from_numpy(samples.group_indexes)
    last = grades.shape[1] - 1
    forecast = network(grades, lengths, groups)[:, 0]
    for _ in range(horizon - 1):
        # A row past the last semester is clamped there, as the serving module does: its
        # forecast is never served.
        grades[torch.arange(len(lengths)), lengths.clamp(max=last)] = forecast
        lengths = (lengths + 1).clamp(max=last + 1)
        forecast = network(grades, lengths, groups)[:, 0]
    return forecast.double().numpy()


@torch.no_grad()
def member_rolled_forward(
    network: GradeSequenceNet, samples: Samples, horizon: int, member: Tensor
) -> np.ndarray:
    """The same, row i rolled by ensemble member `member[i]` alone (the one that never
    trained on its student): out-of-fold, like the horizon-1 residuals."""
    grades = torch.from_numpy(samples.grades).clone()
    lengths = torch.from_numpy(samples.lengths).clone()
    slots = network.group_slots(torch.from_numpy(samples.group_indexes)).unsqueeze(0)
    rows = torch.arange(len(lengths))
    forecast = torch.zeros(len(lengths))
    for step in range(horizon):
        standardised, safe = network.standardise(grades, lengths)
        scaled = network.member_predictions(standardised.unsqueeze(0), safe.unsqueeze(0), slots)
        raw: Tensor = scaled[member, rows] * network.grade_std + network.grade_mean
        forecast = raw.clamp(network.grade_floor, network.grade_ceiling)
        if step < horizon - 1:
            grades[rows, lengths.clamp(max=grades.shape[1] - 1)] = forecast
            lengths = (lengths + 1).clamp(max=grades.shape[1])
    return forecast.double().numpy()
