"""The TorchScript module the service runs: the trained ensemble, folded into a few tables.

`CompactGradePredictor` computes what `GradeSequenceNet.forward` computes, exactly up to
float rounding, in far fewer operations. The TorchScript interpreter has a fixed cost per
operation whatever the tensor size, so for a few students the speed is the number of
operations, and for a thousand it is memory traffic. A stock `torch.nn.GRU` holding the same
weights loses on both counts (`python -m bench.stock_gru` measures it; the figures
are in docs/accuracy.md), which is the reason this hand fold exists.

Why each rewrite is exact. K members of hidden size H, W = K * H; z = (x - m) / s is a raw
grade x standardised; l is a student's history length.

1. One network for the ensemble. The output is the mean over members of linear_k plus
   head_k . h_k. The linear path is linear in its weights, so K of them average into one.
   The K GRUs read the same inputs and never each other's state, so they are one GRU of
   width W with block-diagonal hidden weights (gates act element-wise), and the mean of their
   heads is one head: the heads side by side, divided by K. Predicting the change adds z of
   the last grade, i.e. +1 on that grade's linear weight. The correction's share at each
   history length (training/model/blend.py) scales the head that length reads.
2. Standardisation into the weights: a * z = (a / s) * x - a * m / s. On the linear path the
   constant depends only on l, so it joins the per-length offsets; weights past a row's own
   length only ever multiplied padding zeros in training, so zeroing them changes nothing and
   keeps them out of that constant. On the GRU inputs the constant joins the input bias:
   padding steps then see -a * m / s instead of 0, but the GRU is causal and only the state
   after step l is read. The output scale (* s + m) folds into the head, weights and offsets.
3. Groups as one-hot columns. What a group adds (its embedding through the input weights,
   its offset) is a row of a table: the unknown slot's row becomes the bias and a known
   group's column adds its difference from it. Column g matches group index g, so a known
   index matches one column and any other (-1, or an index past the known groups) none, which
   is the unknown slot, as in training. The reset and update gates' hidden biases add to
   their input biases, since sigmoid(i + b_i + U h + b_h) only sees the sum; the new gate's
   stays on the hidden side, inside r * (U_n h + b_n).
4. Layout (`batch_last_layout`). Activations are [rows, batch], so each gate of each step is
   a contiguous block of rows. Everything that depends on the inputs alone is one matrix
   product of the [groups + grades, batch] input: every step's input-side gates, and per
   length the linear prediction with the interval's half-width subtracted and added. The
   half-width depends on l and the group (training/model/calibrate.py), so it folds as
   rewrite 3 folds the group offsets: the unknown group's (the pooled) joins the bias, and a
   group's column adds its difference from it (zero where its cell is not its own). The
   student's three rows are gathered by length, then clamped, the order
   `GradeSequenceNet.forward` uses too.
5. tanh as a sigmoid (tanh is dearer per element than a sigmoid; docs/performance.md). As
   tanh(a) = 2 sigmoid(2a) - 1, the state carried is g = (h + 1) / 2. With h = 2g - 1:
   U h + b = 2U g + (b - U 1), so hidden weights double and their row sums move into the
   biases; the candidate's (n + 1) / 2 = sigmoid(2 i_n + r * (4 U_n g + 2 (b_n - U_n 1)));
   the update h' = (1 - u) n + u h becomes g' = lerp((n + 1) / 2, g, u); and the head reads
   head . h = 2 head . g - head . 1, the constant joining the offsets. The zero start is
   g = 1/2, whose hidden products are zero, so step 0 uses the biases alone.

It computes in float64. Matrix products sum in an order that depends on the batch size, so a
student's answer varies in the last bits with the other students that share its forward pass
(the service joins concurrent requests into one); in float32 that changed some answers
rounded to two decimals, in float64 it does not (counts in docs/accuracy.md).
"""

import torch
from torch import Tensor, nn

from training.export.fold import fold_ensemble
from training.model.network import GradeSequenceNet
from training.model.path import PathRegression

# Output columns: the prediction, then the interval's low and high end.
INTERVAL_SIGNS = (0.0, -1.0, 1.0)


class CompactGradePredictor(nn.Module):
    """forward(grades float64[B, T], lengths int64[B], group_indexes int64[B]) -> float64[B, 3]:
    per student the prediction and the interval's low and high end, clamped to the scale."""

    # Annotated here: TorchScript ignores annotations in __init__. (No `from __future__
    # import annotations` in this file: it turns this one into a string TorchScript cannot read.)
    split_sizes: list[int]
    # Its buffers (`batch_last_layout`'s tables and the small constants below), declared so a
    # type checker reads them as tensors; TorchScript finds buffers by registration anyway.
    input_matrix: Tensor
    input_bias: Tensor
    hidden_reset_update: Tensor
    hidden_new: Tensor
    new_bias: Tensor
    first_new_bias: Tensor
    initial_state: Tensor
    head_matrix: Tensor
    group_numbers: Tensor
    step_numbers: Tensor
    output_rows: Tensor
    zero: Tensor
    grade_mean: Tensor
    grade_std: Tensor
    path_matrix: Tensor
    path_bias: Tensor
    path_rows: Tensor
    path_horizons: Tensor
    not_a_number: Tensor

    def __init__(self, trained: GradeSequenceNet, later: PathRegression | None = None) -> None:
        super().__init__()
        with torch.no_grad():
            tables = fold_ensemble(trained)
            layout = batch_last_layout(tables, trained.half_width_by_slot_and_length)
            layout.update(path_layout(later, trained.max_history, trained.group_count))
        for name, value in layout.items():
            self.register_buffer(name, value.contiguous())
        # The path's last semester (the card's `path.final_semesters`); without a path
        # regression, `path` is the next semester alone.
        self.final_semesters: int = trained.max_history + 1
        self.max_history: int = trained.max_history
        self.groups: int = trained.group_count
        self.hidden_width: int = trained.shape.folded_width
        # How `input_matrix @ inputs` splits: per step [reset; update] and new gate, then
        # the per-length linear rows.
        self.split_sizes = [2 * self.hidden_width, self.hidden_width] * (self.max_history) + [
            3 * self.max_history
        ]
        self.register_buffer("group_numbers", torch.arange(trained.group_count).view(-1, 1))
        self.register_buffer("step_numbers", torch.arange(trained.max_history).view(-1, 1))
        # Row 3 * (length - 1) + k of the linear rows is output k for that length.
        self.register_buffer("output_rows", torch.tensor([[-3], [-2], [-1]]))
        self.register_buffer("zero", torch.zeros((), dtype=torch.float64))
        self.register_buffer("not_a_number", torch.tensor(float("nan"), dtype=torch.float64))
        self.grade_floor: float = trained.grade_floor
        self.grade_ceiling: float = trained.grade_ceiling
        # A float attribute, not a constant: with a constant alpha of 1, TorchScript splits
        # every addmm into mm + add (one more operation and one more buffer each).
        self.one: float = 1.0
        # Kept for whoever inspects the checkpoint; already folded into the weights.
        self.register_buffer("grade_mean", trained.grade_mean.double())
        self.register_buffer("grade_std", trained.grade_std.double())

    def forward(self, grades: Tensor, lengths: Tensor, group_indexes: Tensor) -> Tensor:
        inputs, lengths = self._inputs(grades, lengths, group_indexes)
        steps = inputs.size(0) - self.groups
        input_matrix = self.input_matrix.narrow(1, 0, self.groups + steps)
        one = self.one
        pieces = torch.addmm(self.input_bias, input_matrix, inputs, alpha=one).split(
            self.split_sizes
        )
        # Step 0 starts from h = 0 (g = 1/2), so its hidden-side products are just biases.
        reset, update = torch.sigmoid(pieces[0]).chunk(2)
        candidate = torch.sigmoid(torch.addcmul(pieces[1], reset, self.first_new_bias))
        state = torch.lerp(candidate, self.initial_state, update)
        states = [state]
        for step in range(1, steps):
            from_state = torch.addmm(pieces[2 * step], self.hidden_reset_update, state, alpha=one)
            reset, update = torch.sigmoid(from_state).chunk(2)
            new_from_state = torch.addmm(self.new_bias, self.hidden_new, state, alpha=one)
            candidate = torch.sigmoid(torch.addcmul(pieces[2 * step + 1], reset, new_from_state))
            state = torch.lerp(candidate, state, update)
            states.append(state)
        head = self.head_matrix.narrow(1, 0, steps * self.hidden_width)
        by_length = torch.addmm(pieces[-1], head, torch.cat(states), alpha=one)  # [3K, B]
        rows = torch.add(self.output_rows, lengths, alpha=3)  # [3, B]
        output = by_length.gather(0, rows).t()
        return output.clamp(self.grade_floor, self.grade_ceiling)

    @torch.jit.export
    def path(self, grades: Tensor, lengths: Tensor, group_indexes: Tensor) -> Tensor:
        """float64[B, max_history]: column h - 1 is the forecast of semester length + h,
        clamped, NaN past the last term; column 0 is forward's own forecast."""
        first = self.forward(grades, lengths, group_indexes).narrow(1, 0, 1)
        inputs, lengths = self._inputs(grades, lengths, group_indexes)
        matrix = self.path_matrix.narrow(1, 0, inputs.size(0))
        by_row = torch.addmm(self.path_bias, matrix, inputs, alpha=self.one)  # [H' K, B]
        later = by_row.gather(0, self.path_rows + lengths)  # [H', B]: each one's length
        later = later.clamp(self.grade_floor, self.grade_ceiling)
        past_the_end = self.path_horizons + lengths > self.final_semesters
        later = torch.where(past_the_end, self.not_a_number, later)
        return torch.cat([first, later.t()], 1)

    def _inputs(
        self, grades: Tensor, lengths: Tensor, group_indexes: Tensor
    ) -> tuple[Tensor, Tensor]:
        """[C + steps, B]: the one-hot group match over the grades; and the safe lengths."""
        steps = min(grades.size(1), self.max_history)
        grades = grades.narrow(1, 0, steps).to(torch.float64)  # float32 is accepted too
        lengths = lengths.clamp(1, steps)
        present = self.step_numbers.narrow(0, 0, steps) < lengths  # [steps, B]
        # `where`, not a multiply by the mask: padding may be NaN or inf and must not leak.
        inputs = torch.cat(  # the boolean one-hot is promoted to float
            [group_indexes == self.group_numbers, torch.where(present, grades.t(), self.zero)]
        )
        return inputs, lengths


def compact_module(
    trained: GradeSequenceNet, later: PathRegression | None = None
) -> torch.jit.ScriptModule:
    """Script the folded module in eval mode, ready for `torch.jit.save`; `later`: the path's
    regression of the later horizons (training/model/path.py)."""
    return torch.jit.script(CompactGradePredictor(trained, later).eval())


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
    return {
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
