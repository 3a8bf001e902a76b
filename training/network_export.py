"""The lean TorchScript module the service runs: the trained ensemble, folded.

The TorchScript interpreter costs a few microseconds per operation whatever the tensor
size, so for one student the speed is the number of operations, and for a thousand it is
memory traffic. Hence the layout of `training/network_fold.py`: activations are
[rows, batch], every input-side quantity comes from one matrix product, and each GRU step
is seven operations on contiguous blocks of rows. Against the previous [batch, rows] module
this is about 1.3x faster for one student.

It computes in float64. Matrix products sum in an order that depends on the batch size, so
a student's answer varies in the last bits with the other students that share its forward
pass (the service joins concurrent requests into one). In float32 that moved about 1 in
6,600 answers by 0.01 after rounding to two decimals; in float64 the variation is ~1e-15,
and a float64 forward pass costs no more for a few students (a 1000-student one costs
about what the float32 [batch, rows] module did).
"""

import torch
from torch import Tensor, nn

from training.network import GradeSequenceNet
from training.network_fold import batch_last_layout, fold_ensemble


class CompactGradePredictor(nn.Module):
    """forward(grades float64[B, T], lengths int64[B], college_codes int64[B]) -> float64[B, 3]:
    per student the prediction and the interval's low and high end, on the 0-10 scale."""

    # Annotated here: TorchScript ignores annotations in __init__. (No `from __future__
    # import annotations` in this file: it turns this one into a string TorchScript cannot read.)
    split_sizes: list[int]

    def __init__(self, trained: GradeSequenceNet) -> None:
        super().__init__()
        with torch.no_grad():
            tables = fold_ensemble(trained)
            layout = batch_last_layout(tables, trained.half_width_by_length)
        for name, value in layout.items():
            self.register_buffer(name, value.contiguous())
        self.max_history: int = trained.max_history
        self.colleges: int = len(trained.known_colleges)
        self.hidden_width: int = tables["new_bias"].numel()
        # How `input_matrix @ inputs` splits: per step [reset; update] and new gate, then
        # the per-length linear rows.
        self.split_sizes = [2 * self.hidden_width, self.hidden_width] * (self.max_history) + [
            3 * self.max_history
        ]
        self.register_buffer("known_colleges", trained.known_colleges.clone().view(-1, 1))
        self.register_buffer("step_numbers", torch.arange(trained.max_history).view(-1, 1))
        # Row 3 * (length - 1) + k of the linear rows is output k for that length.
        self.register_buffer("output_rows", torch.tensor([[-3], [-2], [-1]]))
        self.register_buffer("zero", torch.zeros((), dtype=torch.float64))
        self.grade_floor: float = 0.0
        self.grade_ceiling: float = 10.0
        # A float attribute, not a constant: with a constant alpha of 1, TorchScript splits
        # every addmm into mm + add (one more operation and one more buffer each).
        self.one: float = 1.0
        # Kept for whoever inspects the checkpoint; already folded into the weights.
        self.register_buffer("grade_mean", trained.grade_mean.double())
        self.register_buffer("grade_std", trained.grade_std.double())

    def forward(self, grades: Tensor, lengths: Tensor, college_codes: Tensor) -> Tensor:
        steps = min(grades.size(1), self.max_history)
        grades = grades.narrow(1, 0, steps).to(torch.float64)  # float32 is accepted too
        input_matrix = self.input_matrix.narrow(1, 0, self.colleges + steps)
        lengths = lengths.clamp(1, steps)
        present = self.step_numbers.narrow(0, 0, steps) < lengths  # [steps, B]
        # `where`, not a multiply by the mask: padding may be NaN or inf and must not leak.
        inputs = torch.cat(  # [C + steps, B]; the boolean one-hot is promoted to float
            [college_codes == self.known_colleges, torch.where(present, grades.t(), self.zero)]
        )
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


def compact_module(trained: GradeSequenceNet) -> torch.jit.ScriptModule:
    """Script the folded module in eval mode, ready for `torch.jit.save`."""
    return torch.jit.script(CompactGradePredictor(trained).eval())
