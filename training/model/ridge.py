"""The ridge start of the ensemble's linear path: each member's exact minimiser of its own
training loss while the recurrent correction is still zero (training/model/fit.py calls it before
Adam; the derivation and its measured effect: docs/accuracy.md)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from training.config import TrainingConfig
from training.model.network import GradeSequenceNet


@torch.no_grad()
def ridge_start(
    network: GradeSequenceNet,
    rows: tuple[Tensor, Tensor, Tensor, Tensor],
    trained_on: Tensor,
    strength: Tensor,
    config: TrainingConfig,
) -> None:
    """Set each member's linear path to the exact minimiser of its own training loss while
    the recurrent correction is zero (its head starts at zero), so Adam starts from the best
    linear model rather than walking to it, which took most of a fit on large files.

    The loss separates by history length: per length, ridge regression of the target on the
    standardised grades, a bias and the group one-hot, with the member's row weights and L2
    penalties (`training.model.fit._penalties`). A row's group is hidden with probability
    `group_dropout` in training, so each row enters twice, with weights 1 - p (its group)
    and p (the unknown slot): the loss training expects. Solved in float64 by least
    squares, which also takes the singular systems of no penalty (a bias next to every
    group's one-hot).
    `rows` are the standardised grades, lengths, embedding slots and standardised targets.
    """
    penalties = Penalties(
        strength, config.linear_l2, config.offset_l2, hidden_group=config.group_dropout
    )
    weight, bias, group = ridge_solution(network, rows, trained_on, penalties)
    network.linear_weight.copy_(weight)
    network.linear_bias.copy_(bias)
    network.group_bias.copy_(group)


@dataclass(frozen=True)
class Penalties:
    """What `ridge_solution` solves for: per-member `strength` [K] times `linear` on the grade
    weights, `offset` on the bias and group offsets, and the share of each row's weight
    that sees the unknown group slot instead of its own."""

    strength: Tensor
    linear: float
    offset: float
    hidden_group: float


@torch.no_grad()
def ridge_solution(
    network: GradeSequenceNet,
    rows: tuple[Tensor, Tensor, Tensor, Tensor],
    trained_on: Tensor,
    penalties: Penalties,
) -> tuple[Tensor, Tensor, Tensor]:
    """Per member, the float64 linear path (weights, biases, group offsets, shaped as the
    network's parameters) minimising its weighted squared error plus `penalties`."""
    standardised, lengths, slots, targets = rows
    members, slot_count, _ = network.group_bias.shape
    row_weight = trained_on.double() / trained_on.sum(1, keepdim=True).clamp(min=1.0)
    hide = penalties.hidden_group
    strength = penalties.strength
    weight = torch.zeros_like(network.linear_weight, dtype=torch.float64)
    bias = torch.zeros_like(network.linear_bias, dtype=torch.float64)
    group = torch.zeros_like(network.group_bias, dtype=torch.float64)
    for length in torch.unique(lengths).tolist():
        chosen = lengths == length
        grades = standardised[chosen, :length].double()
        target = targets[chosen].double()
        if network.predict_change:
            target = target - grades[:, -1]
        common = torch.cat([grades, torch.ones(len(grades), 1, dtype=torch.float64)], 1)
        own = _one_hot(slots[chosen], slot_count)
        unknown = _one_hot(torch.full_like(slots[chosen], network.unknown_slot), slot_count)
        gram = torch.zeros(members, length + 1 + slot_count, length + 1 + slot_count).double()
        moment = torch.zeros(members, length + 1 + slot_count).double()
        member_weight = row_weight[:, chosen]  # [K, n]
        for share, one_hot in ((1.0 - hide, own), (hide, unknown)):
            features = torch.cat([common, one_hot], 1)  # [n, d]
            weighted = share * member_weight.unsqueeze(2) * features  # [K, n, d]
            gram += weighted.transpose(1, 2) @ features
            moment += (weighted * target.unsqueeze(1)).sum(1)
        penalty = torch.tensor([penalties.linear] * length + [penalties.offset] * (1 + slot_count))
        gram += torch.diag_embed(strength.double().unsqueeze(1) * penalty.double())
        # The SVD driver with a cut-off: the minimum-norm solution of a singular system,
        # not one with huge cancelling parts that float32 parameters would not keep.
        solved = torch.linalg.lstsq(gram, moment.unsqueeze(2), rcond=1e-10, driver="gelsd")
        solution = solved.solution.squeeze(2)
        weight[:, length - 1, :length] = solution[:, :length]
        bias[:, length - 1] = solution[:, length]
        group[:, :, length - 1] = solution[:, length + 1 :]
    return weight, bias, group


def _one_hot(indexes: Tensor, classes: int) -> Tensor:
    return torch.nn.functional.one_hot(indexes, classes).double()
