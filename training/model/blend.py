"""The last step of a fit: per history length, how much of the trained network to keep
against plain linear regression with the group one-hot, chosen on held-out rows.

Where a history length carries no signal beyond a linear one (one grade; a file whose signal
is linear), the network's penalties and its recurrent correction only move it around that
regression, a little better or worse by chance. So each length gets the regression unless
the members' out-of-fold rows show the network, or a mix of the two, clearly better (both
rules in `network_shares`). Each member's regression is fitted on that member's own training
rows (the closed form of `training.model.ridge`, no penalty), so its held-out predictions are out
of sample like the network's; what is mixed in afterwards is the regression on every
training row, the evaluation's per-length bar itself. Both parts are linear on the linear
path, so the mix folds into the network's own parameters: the linear path becomes the mixed
one and the recurrent correction is scaled by the network's share
(`correction_share_by_length`); the module serves it at no extra cost.
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor

from training.model.held_out import HeldOutRows
from training.model.network import GradeSequenceNet
from training.model.ridge import Penalties, ridge_solution

# A mix is kept only if it lowers the regression's held-out mean squared error by at least
# this fraction of it (and by more than one standard error). Below that, the network's
# advantage is within what its members' early stopping on those same rows can fake, and
# the regression is simpler and exact (docs/accuracy.md has the figures).
MINIMUM_GAIN = 0.01


@torch.no_grad()
def blend_with_regression(
    network: GradeSequenceNet,
    rows: tuple[Tensor, Tensor, Tensor, Tensor],
    trained_on: Tensor,
    held_out: HeldOutRows,
) -> Tensor:
    """Mix each length's regression into the trained network (in place); return the
    network's share per history length, [max_history]."""
    count = trained_on.shape[1]
    # Each member's regression on its own training rows, to be scored on its held-out ones.
    per_member = regression_by_length(network, rows, trained_on)
    linear_only = copy.deepcopy(network)
    for parameter, value in zip(linear_only.linear_parameters(), per_member, strict=True):
        parameter.copy_(value)
    linear_only.correction_share_by_length.zero_()

    shares = network_shares(
        held_out.predictions(network),
        held_out.predictions(linear_only),
        held_out.targets,
        held_out.weight,
        held_out.lengths,
        network.max_history,
    )
    regression = regression_by_length(network, rows, torch.ones(1, count))
    # The history length's axis: weights [K, length, step], biases [K, length], group
    # offsets [K, slot, length].
    by_length = (shares.view(1, -1, 1), shares.view(1, -1), shares.view(1, 1, -1))
    for parameter, value, share in zip(
        network.linear_parameters(), regression, by_length, strict=True
    ):
        parameter.copy_(share * parameter + (1.0 - share) * value.to(parameter.dtype))
    network.correction_share_by_length.copy_(shares)
    return shares


def network_share_by_length(network: GradeSequenceNet) -> dict[int, float]:
    """History length -> the network's share in the fitted model (0: the regression)."""
    shares = network.correction_share_by_length.tolist()
    return {length: round(float(share), 4) for length, share in enumerate(shares, start=1)}


def regression_by_length(
    network: GradeSequenceNet, rows: tuple[Tensor, Tensor, Tensor, Tensor], trained_on: Tensor
) -> tuple[Tensor, Tensor, Tensor]:
    """Per member (a row of `trained_on`; one row: every member alike), least squares of
    the target on the grades, a bias and the group one-hot, per history length, as the
    network's linear parameters. A group code the model never saw (the unknown slot) gets
    the training rows' average group offset: what the regression predicts for a student
    whose group is not known, unless such students were in training (then it is theirs)."""
    _, lengths, slots, _ = rows
    penalties = Penalties(torch.ones(trained_on.shape[0]), 0.0, 0.0, hidden_group=0.0)
    weight, bias, group = ridge_solution(network, rows, trained_on, penalties)
    unknown = network.unknown_slot
    for length in torch.unique(lengths).tolist():
        chosen = lengths == length
        counts = (
            trained_on[:, chosen].double()
            @ torch.nn.functional.one_hot(slots[chosen], group.shape[1]).double()
        )  # [members, slots]: training rows of this length in each group
        seen = counts[:, unknown] > 0
        average = (counts * group[:, :, length - 1]).sum(1) / counts.sum(1).clamp(min=1.0)
        group[:, unknown, length - 1] = torch.where(seen, group[:, unknown, length - 1], average)
    return weight, bias, group


def network_shares(
    fitted: Tensor,
    regression: Tensor,
    targets: Tensor,
    weight: Tensor,
    lengths: Tensor,
    max_history: int,
) -> Tensor:
    """Per history length, the share a in [0, 1] of `fitted` against `regression` (all
    [members, rows], rows counted where `weight` > 0): the a minimising the squared error
    of a * fitted + (1 - a) * regression (a least-squares line through the origin in the
    difference, clipped), kept only where that mix lowers the regression's mean squared
    error by more than one standard error of the paired difference over the rows and by at
    least `MINIMUM_GAIN` of it; else 0, the regression alone. A history of one term is not a
    sequence: there the network could only add a curve in one grade, and the model is the
    regression (docs/accuracy.md: that curve never held up out of sample)."""
    fitted, regression, targets = fitted.double(), regression.double(), targets.double()
    difference = fitted - regression
    shares = torch.zeros(max_history, dtype=torch.float64)
    for length in range(2, max_history + 1):
        chosen = (weight > 0) & (lengths == length)
        count = int(chosen.sum())
        spread = float((difference[chosen] ** 2).sum())
        if count < 2 or spread == 0.0:
            continue
        misses = (targets - regression)[chosen]
        share = float(((difference[chosen] * misses).sum() / spread).clamp(0.0, 1.0))
        paired = (misses - share * difference[chosen]) ** 2 - misses**2
        clearly = float(paired.mean() + paired.std() / count**0.5) < 0.0
        enough = float(-paired.mean()) >= MINIMUM_GAIN * float((misses**2).mean())
        if clearly and enough:
            shares[length - 1] = share
    return shares.float()
