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

6. The path (format 4, `path`). Column 0 is forward's own output, so the next semester of a
   path is the answer's forecast bit for bit. Later horizons are the direct regressions of
   `training.model.path`, linear in the grades and the group one-hot, so rewrite 3 folds them
   too: one more product of the same [groups + grades, batch] input gives every (horizon,
   length) row (`path_layout`), each student's row per horizon is gathered by length,
   clamped, mixed with the network rolled forward where `rolled_share` says (forward run
   again on the history extended by its own forecasts), and NaN past the last semester.

It computes in float64. Matrix products sum in an order that depends on the batch size, so a
student's answer varies in the last bits with the other students that share its forward pass
(the service joins concurrent requests into one); in float32 that changed some answers
rounded to two decimals, in float64 it does not (counts in docs/accuracy.md).
"""

import torch
from torch import Tensor, nn

from training.export.fold import fold_ensemble
from training.export.layout import batch_last_layout, path_layout
from training.model.network import GradeSequenceNet
from training.model.path import PathRegression


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
    rolled_share: Tensor
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
        # regression, `path` is the next semester alone. `rolls`: some (horizon, length)
        # mixes in the network rolled forward (`rolled_share`), so `path` runs it.
        self.final_semesters: int = trained.max_history + 1
        self.rolls: bool = bool(later is not None and later.rolled_share.any())
        # Forward passes the roll needs: up to the last horizon with a share (each costs
        # one forward pass; the horizons after it read the regression alone).
        self.roll_steps: int = 0
        if later is not None and self.rolls:
            used = later.rolled_share.any(1).nonzero().flatten()
            self.roll_steps = int(used.max()) + 1
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
        rows = self.path_rows + lengths  # [H', B]: each student's row per horizon
        later = by_row.gather(0, rows).clamp(self.grade_floor, self.grade_ceiling)
        if self.rolls:
            share = self.rolled_share.view(-1, 1).expand(-1, lengths.size(0)).gather(0, rows)
            later = torch.lerp(later, self._rolled(inputs, lengths, group_indexes, first), share)
        past_the_end = self.path_horizons + lengths > self.final_semesters
        later = torch.where(past_the_end, self.not_a_number, later)
        return torch.cat([first, later.t()], 1)

    def _rolled(
        self, inputs: Tensor, lengths: Tensor, group_indexes: Tensor, first: Tensor
    ) -> Tensor:
        """[H', B]: the network rolled forward, each later grade forecast from the history
        and the forecasts before it (which fill the grades after the history)."""
        grades = inputs.narrow(0, self.groups, inputs.size(0) - self.groups).t()
        missing = self.max_history - grades.size(1)
        grades = torch.cat([grades, grades.new_zeros(grades.size(0), missing)], 1)
        forecast = first  # [B, 1]
        position = lengths
        rolled: list[Tensor] = []
        for _ in range(self.roll_steps):
            # Past the last semester the position is clamped: those columns end up NaN.
            at = position.clamp(0, self.max_history - 1).unsqueeze(1)
            grades = grades.scatter(1, at, forecast)
            position = position + 1
            reading = position.clamp(1, self.max_history)
            forecast = self.forward(grades, reading, group_indexes).narrow(1, 0, 1)
            rolled.append(forecast.t())
        # Horizons past the last one with a share: zeros, which a share of 0 never reads.
        unused = self.path_horizons.size(0) - self.roll_steps
        rolled.append(grades.new_zeros(unused, grades.size(0)))
        return torch.cat(rolled)

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
