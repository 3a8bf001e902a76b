"""The project's model: a linear path plus a small GRU correction, as a seed ensemble in one module.

With ~170 students, capacity hurts more than it helps, so the prediction is mostly linear:
per history length, a weighted sum of the standardised grades plus a per-college offset (the
college effect is large). A GRU reads one semester per time step (grade + college embedding)
and adds a correction through a head that starts at zero, so it only learns what the linear
path misses. Ensemble members are stacked along a leading dimension and run as batched
matrix products, so the whole ensemble costs one pass with no Python loop over members or
over the batch. Standardisation, the college-code lookup, the interval half-widths and the
clamping to [0, 10] all live inside the module: the service passes raw grades and codes.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from training.config import TrainingConfig


class GradeSequenceNet(nn.Module):
    def __init__(
        self,
        known_colleges: list[int],
        max_history: int,
        grade_mean: float,
        grade_std: float,
        config: TrainingConfig,
    ) -> None:
        super().__init__()
        members = config.ensemble_size
        hidden = config.hidden_size
        embedding = config.college_embedding_size
        slots = len(known_colleges) + 1  # the last slot is "unknown / not given"

        self.max_history: int = max_history
        # Attributes, not module globals: TorchScript cannot close over Python floats.
        self.grade_floor: float = 0.0
        self.grade_ceiling: float = 10.0
        self.unknown_slot: int = len(known_colleges)
        self.predict_change: bool = config.predict_change
        self.register_buffer("known_colleges", torch.tensor(known_colleges, dtype=torch.int64))
        self.register_buffer("grade_mean", torch.tensor(grade_mean, dtype=torch.float32))
        self.register_buffer("grade_std", torch.tensor(grade_std, dtype=torch.float32))
        # Filled in by calibration after training; index = history length - 1.
        self.register_buffer("half_width_by_length", torch.zeros(max_history))

        # Linear path: one row of weights per history length (a separate regression per length).
        self.linear_weight = nn.Parameter(torch.zeros(members, max_history, max_history))
        self.linear_bias = nn.Parameter(torch.zeros(members, max_history))
        # Per college AND history length: a college's effect differs by semester (the target
        # of a length-k history is semester k + 1).
        self.college_bias = nn.Parameter(torch.zeros(members, slots, max_history))

        # Recurrent correction. Same gate layout and initialisation range as torch.nn.GRU.
        bound = 1.0 / math.sqrt(hidden)
        self.college_embedding = nn.Parameter(torch.randn(members, slots, embedding) * 0.1)
        self.grade_input_weight = nn.Parameter(_uniform((members, 3 * hidden), bound))
        self.college_input_weight = nn.Parameter(_uniform((members, 3 * hidden, embedding), bound))
        self.hidden_weight = nn.Parameter(_uniform((members, 3 * hidden, hidden), bound))
        self.input_bias = nn.Parameter(_uniform((members, 3 * hidden), bound))
        self.hidden_bias = nn.Parameter(_uniform((members, 3 * hidden), bound))
        # Zero head: training starts from the pure linear model.
        self.head_weight = nn.Parameter(torch.zeros(members, hidden))

    def linear_parameters(self) -> list[nn.Parameter]:
        return [self.linear_weight, self.linear_bias, self.college_bias]

    def recurrent_parameters(self) -> list[nn.Parameter]:
        return [
            self.college_embedding,
            self.grade_input_weight,
            self.college_input_weight,
            self.hidden_weight,
            self.input_bias,
            self.hidden_bias,
            self.head_weight,
        ]

    @torch.jit.export
    def college_slots(self, college_codes: Tensor) -> Tensor:
        """Raw college codes -> embedding slots; anything not known (incl. -1) -> unknown slot."""
        matches = college_codes.unsqueeze(1) == self.known_colleges.unsqueeze(0)
        # Codes are unique, so the sum picks the one matching slot (+1), or 0 when none match;
        # unlike argmax this also works when no college is known at all.
        numbered = torch.arange(1, self.unknown_slot + 1, device=college_codes.device)
        slot = (matches.long() * numbered.unsqueeze(0)).sum(1) - 1
        return torch.where(slot < 0, torch.full_like(slot, self.unknown_slot), slot)

    @torch.jit.export
    def standardise(self, grades: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """Raw padded grades -> standardised grades with the padding zeroed, and safe lengths."""
        steps = min(grades.size(1), self.max_history)
        grades = grades[:, :steps]
        lengths = lengths.clamp(1, steps)
        present = torch.arange(steps, device=grades.device).unsqueeze(0) < lengths.unsqueeze(1)
        scaled = (grades - self.grade_mean) / self.grade_std
        # `where`, not a multiply by the mask: padding may be NaN or inf and must not leak.
        return torch.where(present, scaled, torch.zeros_like(scaled)), lengths

    @torch.jit.export
    def member_predictions(self, standardised: Tensor, lengths: Tensor, slots: Tensor) -> Tensor:
        """Standardised next grade from each ensemble member: [members, batch]."""
        batch, steps = standardised.shape
        last_index = lengths - 1

        weights = self.linear_weight[:, last_index, :steps]  # [members, batch, steps]
        linear = (weights * standardised.unsqueeze(0)).sum(2)
        linear = linear + self.linear_bias[:, last_index] + self.college_bias[:, slots, last_index]
        if self.predict_change:
            last_grade = standardised.gather(1, last_index.unsqueeze(1)).squeeze(1)
            linear = linear + last_grade.unsqueeze(0)

        # Input-side gate pre-activations for every step at once: [members, batch, steps, 3H].
        embedded = self.college_embedding[:, slots]  # [members, batch, E]
        from_college = torch.matmul(embedded, self.college_input_weight.transpose(1, 2))
        grade_weight = self.grade_input_weight.unsqueeze(1).unsqueeze(1)
        from_input = standardised.unsqueeze(0).unsqueeze(3) * grade_weight + (
            from_college + self.input_bias.unsqueeze(1)
        ).unsqueeze(2)
        members, hidden_size = self.head_weight.shape
        hidden = standardised.new_zeros(members, batch, hidden_size)
        states: list[Tensor] = []
        for step in range(steps):
            input_reset, input_update, input_new = from_input[:, :, step].chunk(3, 2)
            from_hidden = torch.baddbmm(
                self.hidden_bias.unsqueeze(1), hidden, self.hidden_weight.transpose(1, 2)
            )
            hidden_reset, hidden_update, hidden_new = from_hidden.chunk(3, 2)
            reset = torch.sigmoid(input_reset + hidden_reset)
            update = torch.sigmoid(input_update + hidden_update)
            candidate = torch.tanh(input_new + reset * hidden_new)
            hidden = (1.0 - update) * candidate + update * hidden
            states.append(hidden)
        # The state after each student's own last grade; later (padding) steps are ignored.
        all_states = torch.stack(states, 2)  # [members, batch, steps, H]
        index = last_index.view(1, batch, 1, 1).expand(members, batch, 1, hidden_size)
        final_state = all_states.gather(2, index).squeeze(2)
        correction = (final_state * self.head_weight.unsqueeze(1)).sum(2)
        return linear + correction

    def forward(self, grades: Tensor, lengths: Tensor, college_codes: Tensor) -> Tensor:
        """Raw grades [B, T], lengths [B], raw college codes [B] -> [B, 3]: grade, low, high."""
        standardised, lengths = self.standardise(grades, lengths)
        slots = self.college_slots(college_codes)
        scaled = self.member_predictions(standardised, lengths, slots).mean(0)
        predicted = scaled * self.grade_std + self.grade_mean
        # The interval is centred on the unclamped prediction; all three are clamped after.
        half_width = self.half_width_by_length[lengths - 1]
        output = torch.stack([predicted, predicted - half_width, predicted + half_width], 1)
        return output.clamp(self.grade_floor, self.grade_ceiling)


def _uniform(shape: tuple[int, ...], bound: float) -> Tensor:
    return torch.empty(shape).uniform_(-bound, bound)
