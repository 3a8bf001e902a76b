"""Rewrites 4-5 of training/export/serving_module.py's docstring: the folded ensemble's tables
(training/export/fold.py), and the path's regression of the later horizons, laid out as the
serving module's buffers, so that each step of its forward pass is one matrix product."""

import torch
from torch import Tensor

from training.model.path import PathRegression

# Output columns: the prediction, then the interval's low and high end.
INTERVAL_SIGNS = (0.0, -1.0, 1.0)


def path_layout(later: PathRegression | None, history: int, groups: int) -> dict[str, Tensor]:
    """The later horizons' regression as one product of the forward pass's input: row
    (h - 2) * K + l - 1 of `path_matrix` @ [one-hot groups; grades] + `path_bias` is horizon
    h's forecast for a history of length l (the unknown slot's offset is the bias and a
    group's column adds its difference from it, rewrite 3). `path_rows` + length picks each
    student's row per horizon; `path_horizons` are the horizons, 2 up."""
    count = len(later.horizons) if later else 0
    matrix = torch.zeros(count, history, groups + history, dtype=torch.float64)
    bias = torch.zeros(count, history, dtype=torch.float64)
    if later is not None:
        offset = later.offset  # [H', slot, length]; the last slot is the unknown group
        matrix[:, :, :groups] = (offset[:, :groups] - offset[:, -1:]).transpose(1, 2)
        matrix[:, :, groups:] = later.weight.transpose(1, 2)
        bias = offset[:, -1].to(torch.float64)
    share = later.rolled_share if later else torch.zeros(0, history)
    return {
        "rolled_share": share.to(torch.float64).reshape(count * history),
        "path_matrix": matrix.reshape(count * history, groups + history),
        "path_bias": bias.reshape(count * history, 1),
        "path_rows": (torch.arange(count) * history - 1).view(-1, 1),
        "path_horizons": torch.arange(2, count + 2).view(-1, 1),
    }


def batch_last_layout(
    tables: dict[str, Tensor], half_width_by_slot_and_length: Tensor
) -> dict[str, Tensor]:
    """Rewrites 4-5 of the module docstring: `fold_ensemble`'s tables as the serving
    module's buffers. W = hidden width, K = longest history, C = known groups.

    The module's input is one [C + K, batch] matrix: the one-hot group match on top of the
    grades (one column per student). `input_matrix` @ that, plus `input_bias`, gives in one
    product, per step, the reset and update pre-activations (2W rows) and the new-gate one
    (W rows), and then 3K rows: for each history length, the linear-path prediction with the
    interval's half-width already subtracted and added.
    """
    hidden_weights = tables["hidden_weights"]
    width = hidden_weights.shape[1]
    history, groups = (
        tables["linear_weight"].shape[0],
        tables["group_offset_differences"].shape[0],
    )
    dtype = torch.float64
    # [3W, W], row gate * W + to: pre-activation = hidden_matrix @ h.
    hidden = hidden_weights.transpose(1, 2).reshape(3 * width, width)
    hidden_row_sums = hidden.sum(1).view(3, width)
    unknown = tables["unknown_gates"].view(3, width)
    by_group = tables["group_gate_differences"].view(groups, 3, width)
    from_grade = tables["grade_gates"].view(3, width)
    gate_scale = (1.0, 1.0, 2.0)  # the new gate's input side doubles (2a above)

    rows, biases = [], []
    for step in range(history):
        for gate in range(3):
            weights = torch.zeros(width, groups + history, dtype=dtype)
            weights[:, :groups] = by_group[:, gate].t() * gate_scale[gate]
            weights[:, groups + step] = from_grade[gate] * gate_scale[gate]
            bias = unknown[gate] * gate_scale[gate]
            if step > 0 and gate < 2:  # from h = 2g - 1; at step 0, h = 0 has no product
                bias = bias - hidden_row_sums[gate]
            rows.append(weights)
            biases.append(bias)

    head, share = tables["head"], tables["correction_share"]
    signs = torch.tensor(INTERVAL_SIGNS, dtype=dtype)
    # Row (length, k): the linear path for that length, plus the interval's sign k times
    # its half-width, minus that length's head @ 1 (the head reads g, not h). The unknown
    # slot's half-width (the last row) is the bias; a group's column adds its difference.
    half_width = half_width_by_slot_and_length.to(dtype)  # [groups + 1, history]
    unknown_half_width = half_width[-1]
    group_half_width = (half_width[:groups] - unknown_half_width).t()  # [history, groups]
    linear = torch.zeros(history, 3, groups + history, dtype=dtype)
    linear[:, :, :groups] = tables["group_offset_differences"].t().unsqueeze(1)
    linear[:, :, :groups] += group_half_width.unsqueeze(1) * signs.view(1, 3, 1)
    linear[:, :, groups:] = tables["linear_weight"].t().unsqueeze(1)
    rows.append(linear.reshape(3 * history, groups + history))
    offsets = tables["unknown_offsets"] - share * head.sum()
    biases.append(
        (offsets.unsqueeze(1) + unknown_half_width.unsqueeze(1) * signs).reshape(3 * history)
    )

    # Row (length, k) of the head reads the state after step `length`, scaled by the
    # correction's share at that length (training/model/blend.py).
    head_matrix = torch.zeros(history, 3, history, width, dtype=dtype)
    for length in range(history):
        head_matrix[length, :, length] = 2.0 * share[length] * head
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
