"""Fold the trained ensemble into the few tables the serving module multiplies with.

Two exact rewrites (up to float rounding), both in float64 until the final cast:

1. `fold_ensemble`: everything linear is folded ahead of time. The ensemble average of the
   linear paths is one linear path, and "predict the change" is +1 on the last grade's
   weight; K GRUs of hidden size H are one GRU of hidden size K*H with block-diagonal
   weights, and the average of their heads is one head; what a college contributes (its
   embedding through the input gates, its offset) is a row of one table.
2. `batch_last_layout`: the tables rearranged for `CompactGradePredictor`, which keeps every
   activation as [rows, batch] so that each gate of each step is a contiguous block of rows,
   and computes every input-side quantity of every step with one matrix product.
"""

from __future__ import annotations

import torch
from torch import Tensor

from training.network import GradeSequenceNet

# Output columns: the prediction, then the interval's low and high end.
INTERVAL_SIGNS = (0.0, -1.0, 1.0)


def fold_ensemble(trained: GradeSequenceNet) -> dict[str, Tensor]:
    """The ensemble as one GRU and one linear path, in float64 and raw grade units.

    With z = (grade - mean) / std on present steps, a weight a on z is a / std on the raw
    grade plus a constant -a * mean / std. For the linear path that constant depends only on
    the history length, so it joins the per-length offsets; for the GRU inputs it joins the
    per-college input rows (padding steps differ, but their states are never read). The
    output scale (times std, plus mean) folds into the head, linear weights and offsets.
    """
    members, hidden = trained.head_weight.shape
    width = members * hidden
    history = trained.max_history
    mean = float(trained.grade_mean)
    std = float(trained.grade_std)

    def as64(tensor: Tensor) -> Tensor:
        return tensor.detach().to(torch.float64)

    def by_gate(per_member: Tensor) -> Tensor:
        """[K, 3H, ...] in torch's (reset, update, new) layout -> [3, K*H, ...] gate-major."""
        gates = as64(per_member).reshape(members, 3, hidden, *per_member.shape[2:])
        return gates.transpose(0, 1).reshape(3, width, *per_member.shape[2:])

    # Hidden-to-hidden weights: block diagonal, so members never see each other's state.
    # Stored as [gate, from, to] so that `hidden @ weights[gate]` is the product.
    hidden_weights = torch.zeros(3, width, width, dtype=torch.float64)
    gate_hidden = as64(trained.hidden_weight).reshape(members, 3, hidden, hidden)
    for member in range(members):
        block = slice(member * hidden, (member + 1) * hidden)
        hidden_weights[:, block, block] = gate_hidden[member].transpose(1, 2)
    hidden_bias = by_gate(trained.hidden_bias)  # [3, width]

    # Per college slot: embedding -> gates plus the input bias; the reset and update gates'
    # hidden biases simply add, so they move here too (the new gate's sits inside the reset
    # product and stays on the hidden side).
    from_college = torch.einsum(
        "kse,kge->skg", as64(trained.college_embedding), as64(trained.college_input_weight)
    )
    from_college = from_college + as64(trained.input_bias).unsqueeze(0)  # [slots, K, 3H]
    slots = from_college.shape[0]
    gate_rows = from_college.reshape(slots, members, 3, hidden).transpose(1, 2)
    gate_rows = gate_rows.reshape(slots, 3, width).clone()
    gate_rows[:, :2] += hidden_bias[:2].unsqueeze(0)
    grade_gates = by_gate(trained.grade_input_weight)  # [3, width], weight on z
    gate_rows = gate_rows - grade_gates.unsqueeze(0) * mean / std
    gate_rows = gate_rows.reshape(slots, 3 * width)

    # Linear path averaged over members (z units), then to raw units; predicting the change
    # is +1 on the last grade's weight. Weights past a row's own length are never used
    # in training (those inputs are zero), so they are zeroed here.
    linear = as64(trained.linear_weight).mean(0)  # [length - 1, step]
    if trained.predict_change:
        linear = linear + torch.eye(history, dtype=torch.float64)
    linear = torch.tril(linear)
    offsets = as64(trained.linear_bias).mean(0).unsqueeze(0) + as64(trained.college_bias).mean(0)
    offsets = mean + std * (offsets - linear.sum(1).unsqueeze(0) * mean / std)  # [slots, length]
    linear_weight = linear.t().clone()  # [step, length - 1]: raw grades @ this

    unknown = trained.unknown_slot
    return {
        "unknown_gates": gate_rows[unknown].clone(),  # [3W]
        "college_gate_differences": gate_rows[:unknown] - gate_rows[unknown].unsqueeze(0),
        "grade_gates": (grade_gates / std).reshape(3 * width),
        "hidden_weights": hidden_weights,  # [gate, from, to]
        "new_bias": hidden_bias[2].clone(),  # the new gate's hidden bias, inside the reset
        "head": as64(trained.head_weight).reshape(width) * std / members,
        "unknown_offsets": offsets[unknown].clone(),  # [length]
        "college_offset_differences": offsets[:unknown] - offsets[unknown].unsqueeze(0),
        "linear_weight": linear_weight,  # [step, length]; std cancels: (w / std) * std
    }


def batch_last_layout(tables: dict[str, Tensor], half_width_by_length: Tensor) -> dict[str, Tensor]:
    """The serving module's buffers, from `fold_ensemble`'s tables. W = hidden width,
    K = longest history, C = known colleges.

    The module's input is one [C + K, batch] matrix: the one-hot college match on top of the
    grades (one column per student). `input_matrix` @ that, plus `input_bias`, gives in one
    product, per step, the reset and update pre-activations (2W rows) and the new-gate one
    (W rows), and then 3K rows: for each history length, the linear-path prediction with the
    interval's half-width already subtracted and added.

    tanh costs about 3x a sigmoid per element in this torch build, so the state carried is
    g = (h + 1) / 2 rather than the GRU's h. As tanh(a) = 2 sigmoid(2a) - 1, h = 2g - 1 folds
    into the weights: the hidden products double (the new gate's quadruple, with its input
    side doubled), their constant part -W @ 1 moves into the biases, and the update
    h' = (1 - u) n + u h becomes g' = lerp(sigmoid(2a), g, u). The zero start is g = 1/2.
    """
    hidden_weights = tables["hidden_weights"]
    width = hidden_weights.shape[1]
    history, colleges = (
        tables["linear_weight"].shape[0],
        tables["college_offset_differences"].shape[0],
    )
    dtype = torch.float64
    # [3W, W], row gate * W + to: pre-activation = hidden_matrix @ h.
    hidden = hidden_weights.transpose(1, 2).reshape(3 * width, width)
    hidden_row_sums = hidden.sum(1).view(3, width)
    unknown = tables["unknown_gates"].view(3, width)
    by_college = tables["college_gate_differences"].view(colleges, 3, width)
    from_grade = tables["grade_gates"].view(3, width)
    gate_scale = (1.0, 1.0, 2.0)  # the new gate's input side doubles (2a above)

    rows, biases = [], []
    for step in range(history):
        for gate in range(3):
            weights = torch.zeros(width, colleges + history, dtype=dtype)
            weights[:, :colleges] = by_college[:, gate].t() * gate_scale[gate]
            weights[:, colleges + step] = from_grade[gate] * gate_scale[gate]
            bias = unknown[gate] * gate_scale[gate]
            if step > 0 and gate < 2:  # from h = 2g - 1; at step 0, h = 0 has no product
                bias = bias - hidden_row_sums[gate]
            rows.append(weights)
            biases.append(bias)

    head = tables["head"]
    signs = torch.tensor(INTERVAL_SIGNS, dtype=dtype)
    # Row (length, k): the linear path for that length, plus the interval's sign k times
    # its half-width, minus head @ 1 (the head reads g, not h).
    linear = torch.zeros(history, 3, colleges + history, dtype=dtype)
    linear[:, :, :colleges] = tables["college_offset_differences"].t().unsqueeze(1)
    linear[:, :, colleges:] = tables["linear_weight"].t().unsqueeze(1)
    rows.append(linear.reshape(3 * history, colleges + history))
    offsets = tables["unknown_offsets"] - head.sum()
    half_width = half_width_by_length.to(dtype)
    biases.append((offsets.unsqueeze(1) + half_width.unsqueeze(1) * signs).reshape(3 * history))

    # Row (length, k) of the head reads the state after step `length`.
    head_matrix = torch.zeros(history, 3, history, width, dtype=dtype)
    for length in range(history):
        head_matrix[length, :, length] = 2.0 * head
    new_bias = tables["new_bias"]
    return {
        "input_matrix": torch.cat(rows),
        "input_bias": torch.cat(biases).unsqueeze(1),
        "hidden_reset_update": 2.0 * hidden[: 2 * width],
        "hidden_new": 4.0 * hidden[2 * width :],
        "new_bias": (2.0 * new_bias - 2.0 * hidden_row_sums[2]).unsqueeze(1),
        "first_new_bias": (2.0 * new_bias).unsqueeze(1),
        "initial_state": torch.full((1, 1), 0.5, dtype=dtype),
        "head_matrix": head_matrix.reshape(3 * history, history * width),
    }
