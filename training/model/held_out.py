"""Each ensemble member's held-out rows: its early-stopping loss, its out-of-fold predictions
and the calibration residuals (training/model/fit.py)."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from training.model.network import GradeSequenceNet


class HeldOutRows:
    """Each member's own held-out rows, side by side ([members, rows], padded with a zero
    weight), so that validating costs one pass over the training data, not one per member."""

    def __init__(
        self,
        held_out: Tensor,
        standardised: Tensor,
        lengths: Tensor,
        slots: Tensor,
        targets: Tensor,
    ) -> None:
        counts = held_out.sum(1)
        width = int(counts.max())
        # Member k's held-out rows first, longest history first (the fast order for the
        # recurrent steps), then the others as padding.
        key = torch.where(held_out, -lengths.unsqueeze(0), 1)
        self.rows = torch.argsort(key, dim=1, stable=True)[:, :width]  # [K, width]
        self.weight = (torch.arange(width).unsqueeze(0) < counts.unsqueeze(1)).float()
        # Padding reads one step, so it costs no recurrent step of its own.
        padded_lengths = torch.where(self.weight > 0, lengths[self.rows], 1)
        self.lengths = padded_lengths  # [K, width], for per-length scores (training/model/blend.py)
        self.inputs = (standardised[self.rows], padded_lengths, slots[self.rows])
        self.targets = targets[self.rows]

    @torch.no_grad()
    def predictions(self, network: GradeSequenceNet) -> Tensor:
        return network.member_predictions(*self.inputs)  # [K, width], standardised

    def loss(self, network: GradeSequenceNet) -> Tensor:
        squared_error = (self.predictions(network) - self.targets) ** 2
        return (squared_error * self.weight).sum(1) / self.weight.sum(1)

    def residuals(self, network: GradeSequenceNet, targets: np.ndarray) -> np.ndarray:
        """target - prediction of the one member that never trained on that row, the
        prediction clamped to the scale as the served one is; in the rows' order."""
        raw = self.predictions(network) * network.grade_std + network.grade_mean
        served = raw.clamp(network.grade_floor, network.grade_ceiling)
        predicted = torch.zeros(len(targets))
        kept = self.weight > 0
        predicted[self.rows[kept]] = served[kept]
        return (targets - predicted.numpy()).astype(np.float64)
