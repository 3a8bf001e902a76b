"""Fold the trained ensemble into one lean TorchScript module for serving.

The TorchScript interpreter costs a few microseconds per operation here, whatever the tensor
size, so serving speed is about the number of operations, not FLOPs. Everything that is linear
is therefore folded ahead of time, exactly (up to float rounding):

* the ensemble average of the linear paths is one linear path, and "predict the change" is
  +1 on the last grade's weight;
* K GRUs of hidden size H are one GRU of hidden size K*H with block-diagonal weights, and
  the average of their heads is one head;
* everything a college contributes (its embedding through the input gates, its offset) is a
  row of one table, looked up with a single matrix product against the one-hot match.

What remains is one short loop over the (at most `max_history`) time steps.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from training.network import GradeSequenceNet


class CompactGradePredictor(nn.Module):
    """forward(grades float32[B, T], lengths int64[B], college_codes int64[B]) -> float32[B, 3]."""

    def __init__(self, trained: GradeSequenceNet) -> None:
        super().__init__()
        members, hidden = trained.head_weight.shape
        self.max_history: int = trained.max_history
        self.hidden_width: int = members * hidden
        self.grade_floor: float = 0.0
        self.grade_ceiling: float = 10.0
        with torch.no_grad():
            tables = _fold_ensemble(trained)
        for name, value in tables.items():
            self.register_buffer(name, value.to(torch.float32).contiguous())
        self.register_buffer("known_colleges", trained.known_colleges.clone().unsqueeze(0))
        self.register_buffer("step_numbers", torch.arange(trained.max_history).unsqueeze(0))
        self.register_buffer("half_width_by_length", trained.half_width_by_length.clone())
        # Kept for whoever inspects the checkpoint; already folded into the weights.
        self.register_buffer("grade_mean", trained.grade_mean.clone())
        self.register_buffer("grade_std", trained.grade_std.clone())

    def forward(self, grades: Tensor, lengths: Tensor, college_codes: Tensor) -> Tensor:
        batch = grades.size(0)
        steps = min(grades.size(1), self.max_history)
        lengths = lengths.clamp(1, steps).unsqueeze(1)  # [B, 1]
        last_index = lengths - 1
        present = self.step_numbers.narrow(1, 0, steps) < lengths
        # `where`, not a multiply by the mask: padding may be NaN or inf and must not leak.
        grades = torch.where(present, grades.narrow(1, 0, steps), self.zero)

        # Codes are unique, so at most one column matches: the product adds that college's
        # difference from the unknown-college row, or nothing.
        is_college = (college_codes.unsqueeze(1) == self.known_colleges).to(grades.dtype)
        college_gates = torch.addmm(self.unknown_gates, is_college, self.college_gate_differences)
        offsets = torch.addmm(self.unknown_offsets, is_college, self.college_offset_differences)

        # Input-side gate pre-activations of every step: [steps, gate, B, W].
        inputs = torch.addcmul(college_gates.unsqueeze(1), grades.unsqueeze(2), self.grade_gates)
        by_gate = inputs.view(batch, steps, 3, self.hidden_width).permute(1, 2, 0, 3)
        # Per step: reset and update inputs together [2, B, W] (one sigmoid for both), and
        # the new-gate input [B, W]. Fewer, larger operations is what makes this fast.
        gate_inputs = by_gate.narrow(1, 0, 2).unbind(0)
        new_inputs = by_gate.select(1, 2).unbind(0)

        # Step 0 starts from a zero state, so the hidden-side products are just biases.
        reset, update = torch.sigmoid(gate_inputs[0]).unbind(0)
        candidate = torch.tanh(torch.addcmul(new_inputs[0], reset, self.new_bias))
        hidden = torch.addcmul(candidate, update, candidate, value=-1.0)
        states = [hidden]
        for step in range(1, steps):
            from_hidden = torch.baddbmm(
                self.hidden_biases, hidden.expand(3, batch, self.hidden_width), self.hidden_weights
            )
            reset, update = torch.sigmoid(gate_inputs[step] + from_hidden.narrow(0, 0, 2)).unbind(0)
            candidate = torch.tanh(torch.addcmul(new_inputs[step], reset, from_hidden[2]))
            hidden = torch.lerp(candidate, hidden, update)
            states.append(hidden)
        correction = torch.matmul(torch.stack(states, 1), self.head)  # [B, steps]

        # Column k of the linear path is the prediction for a history of length k + 1.
        linear = torch.addmm(offsets, grades, self.linear_weight.narrow(0, 0, steps))
        by_length = linear.narrow(1, 0, steps) + correction
        predicted = by_length.gather(1, last_index)
        half_width = torch.take(self.half_width_by_length, last_index)
        # [predicted, predicted - half, predicted + half], clamped to the grade scale.
        output = torch.addcmul(predicted, half_width, self.interval_signs)
        return output.clamp(self.grade_floor, self.grade_ceiling)


def _fold_ensemble(trained: GradeSequenceNet) -> dict[str, Tensor]:
    """All weights of the serving module, in float64 until the final cast, in raw grade units.

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
        "zero": torch.zeros(()),
        "unknown_gates": gate_rows[unknown].clone(),
        "college_gate_differences": gate_rows[:unknown] - gate_rows[unknown].unsqueeze(0),
        "unknown_offsets": offsets[unknown].clone(),
        "college_offset_differences": offsets[:unknown] - offsets[unknown].unsqueeze(0),
        "grade_gates": (grade_gates / std).reshape(3 * width),
        "hidden_weights": hidden_weights,
        "hidden_biases": torch.cat(
            [torch.zeros(2, 1, width, dtype=torch.float64), hidden_bias[2].view(1, 1, width)]
        ),
        "new_bias": hidden_bias[2].clone(),
        "head": as64(trained.head_weight).reshape(width) * std / members,
        "linear_weight": linear_weight,  # std cancels: (w / std) * std
        "interval_signs": torch.tensor([0.0, -1.0, 1.0], dtype=torch.float64),
    }


def compact_module(trained: GradeSequenceNet) -> torch.jit.ScriptModule:
    """Script the folded module in eval mode, ready for `torch.jit.save`."""
    return torch.jit.script(CompactGradePredictor(trained).eval())
