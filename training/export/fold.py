"""The trained ensemble folded into one GRU and one linear path (rewrites 1-3 of
`training.export.serving_module`'s docstring, which shows why each is exact).

The serving module lays these tables out for TorchScript; `bench/stock_gru.py` loads the same
tables into a stock `torch.nn.GRU`. Both get them from here, after `fold_problems`
(`training.model.shape`) has found nothing the rewrites would get wrong.
"""

from __future__ import annotations

import torch
from torch import Tensor

from training.model.network import GradeSequenceNet
from training.model.shape import GATES, fold_problems

# Every parameter `fold_ensemble` reads. A parameter the network has and this does not name
# would be left out of the served model, so `fold_ensemble` refuses such a network.
FOLDED_PARAMETERS = frozenset(
    {
        "linear_weight",
        "linear_bias",
        "group_bias",
        "group_embedding",
        "grade_input_weight",
        "group_input_weight",
        "hidden_weight",
        "input_bias",
        "hidden_bias",
        "head_weight",
    }
)


class NotFoldable(ValueError):
    """The trained network breaks a precondition of the fold's rewrites."""


def fold_ensemble(trained: GradeSequenceNet) -> dict[str, Tensor]:
    """The ensemble as one GRU of width K * H and one linear path, in float64 and raw grade
    units, with a group as a table row."""
    problems = fold_problems(trained, trained.shape, FOLDED_PARAMETERS)
    if problems:
        raise NotFoldable(
            "the serving module cannot fold this GradeSequenceNet exactly: "
            + "; ".join(problems)
            + " (shapes: training/model/shape.py; the fold: training/export/serving_module.py)"
        )
    shape = trained.shape
    members, hidden, width = shape.members, shape.hidden, shape.folded_width
    gates = len(GATES)
    history = shape.max_history
    mean = float(trained.grade_mean)
    std = float(trained.grade_std)

    def as64(tensor: Tensor) -> Tensor:
        return tensor.detach().to(torch.float64)

    def by_gate(per_member: Tensor) -> Tensor:
        """[K, 3H, ...] in torch's (reset, update, new) layout -> [3, K*H, ...] gate-major."""
        by_member = as64(per_member).reshape(members, gates, hidden, *per_member.shape[2:])
        return by_member.transpose(0, 1).reshape(gates, width, *per_member.shape[2:])

    # Hidden-to-hidden weights: block diagonal, so members never see each other's state.
    # Stored as [gate, from, to] so that `hidden @ weights[gate]` is the product.
    hidden_weights = torch.zeros(gates, width, width, dtype=torch.float64)
    gate_hidden = as64(trained.hidden_weight).reshape(members, gates, hidden, hidden)
    for member in range(members):
        block = slice(member * hidden, (member + 1) * hidden)
        hidden_weights[:, block, block] = gate_hidden[member].transpose(1, 2)
    hidden_bias = by_gate(trained.hidden_bias)  # [3, width]

    # Per group slot: embedding -> gates plus the input bias; the reset and update gates'
    # hidden biases simply add, so they move here too (the new gate's sits inside the reset
    # product and stays on the hidden side).
    from_group = torch.einsum(
        "kse,kge->skg", as64(trained.group_embedding), as64(trained.group_input_weight)
    )
    from_group = from_group + as64(trained.input_bias).unsqueeze(0)  # [slots, K, 3H]
    slots = from_group.shape[0]
    gate_rows = from_group.reshape(slots, members, gates, hidden).transpose(1, 2)
    gate_rows = gate_rows.reshape(slots, gates, width).clone()
    gate_rows[:, :2] += hidden_bias[:2].unsqueeze(0)
    grade_gates = by_gate(trained.grade_input_weight)  # [3, width], weight on z
    gate_rows = gate_rows - grade_gates.unsqueeze(0) * mean / std
    gate_rows = gate_rows.reshape(slots, gates * width)

    # Linear path averaged over members (z units), then to raw units; predicting the change
    # is +1 on the last grade's weight. Weights past a row's own length are never used
    # in training (those inputs are zero), so they are zeroed here.
    linear = as64(trained.linear_weight).mean(0)  # [length - 1, step]
    if trained.predict_change:
        linear = linear + torch.eye(history, dtype=torch.float64)
    linear = torch.tril(linear)
    offsets = as64(trained.linear_bias).mean(0).unsqueeze(0) + as64(trained.group_bias).mean(0)
    offsets = mean + std * (offsets - linear.sum(1).unsqueeze(0) * mean / std)  # [slots, length]
    linear_weight = linear.t().clone()  # [step, length - 1]: raw grades @ this

    unknown = shape.unknown_slot
    return {
        "unknown_gates": gate_rows[unknown].clone(),  # [3W]
        "group_gate_differences": gate_rows[:unknown] - gate_rows[unknown].unsqueeze(0),
        "grade_gates": (grade_gates / std).reshape(gates * width),
        "hidden_weights": hidden_weights,  # [gate, from, to]
        "new_bias": hidden_bias[2].clone(),  # the new gate's hidden bias, inside the reset
        "head": as64(trained.head_weight).reshape(width) * std / members,
        "correction_share": as64(trained.correction_share_by_length),  # [length]: head's scale
        "unknown_offsets": offsets[unknown].clone(),  # [length]
        "group_offset_differences": offsets[:unknown] - offsets[unknown].unsqueeze(0),
        "linear_weight": linear_weight,  # [step, length]; std cancels: (w / std) * std
    }
