"""The project's model: a linear path plus a small GRU correction, as a seed ensemble in one module.

On a few hundred students, capacity hurts more than it helps, so the prediction is mostly linear:
per history length, a weighted sum of the standardised grades plus a per-group offset (the
college effect is large). A GRU reads one term per time step (grade + group embedding) and
adds a correction through a head that starts at zero, so it only learns what the linear path
misses; after training, `training.model.blend` scales it per history length
(`correction_share_by_length`), to zero where plain linear regression does as well.
Ensemble members are stacked along a leading dimension and run as batched matrix products,
so the whole ensemble costs one pass with no Python loop over members or over the batch.
Standardisation, the interval half-widths (per group and history length) and the clamping
to the grade scale all live inside the module: the service passes raw grades and group
indexes (the position of a code in the card's `group.codes`, -1 for none or unknown).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from training.config import TrainingConfig
from training.model.shape import NetworkShape


class GradeSequenceNet(nn.Module):
    # The buffers registered in __init__, declared so a type checker reads them as tensors.
    grade_mean: Tensor
    grade_std: Tensor
    half_width_by_slot_and_length: Tensor
    correction_share_by_length: Tensor

    def __init__(
        self,
        group_count: int,
        max_history: int,
        grade_mean: float,
        grade_std: float,
        config: TrainingConfig,
        scale: tuple[float, float] = (0.0, 10.0),
    ) -> None:
        super().__init__()
        self.shape = NetworkShape(
            members=config.ensemble_size,
            hidden=config.hidden_size,
            embedding=config.group_embedding_size,
            groups=group_count,
            max_history=max_history,
        )
        sizes = self.shape.parameters()

        self.max_history: int = max_history
        # Attributes, not module globals: TorchScript cannot close over Python floats.
        self.grade_floor: float = float(scale[0])
        self.grade_ceiling: float = float(scale[1])
        self.group_count: int = group_count
        self.unknown_slot: int = self.shape.unknown_slot
        self.predict_change: bool = config.predict_change
        self.register_buffer("grade_mean", torch.tensor(grade_mean, dtype=torch.float32))
        self.register_buffer("grade_std", torch.tensor(grade_std, dtype=torch.float32))
        # Filled in by calibration after training: [group slot, history length - 1]. The
        # unknown slot's row is the per-length (pooled) half-width; a group's row differs from
        # it only in the cells calibrated on their own (training/model/calibrate.py).
        self.register_buffer(
            "half_width_by_slot_and_length", torch.zeros(self.shape.slots, max_history)
        )
        # Set by `training.model.blend` after training (1 until then): per history length, the
        # share of the recurrent correction kept once the linear regression is mixed in.
        self.register_buffer("correction_share_by_length", torch.ones(max_history))

        # Linear path: one row of weights per history length (a separate regression per length).
        self.linear_weight = nn.Parameter(torch.zeros(sizes["linear_weight"]))
        self.linear_bias = nn.Parameter(torch.zeros(sizes["linear_bias"]))
        # Per group AND history length: a college's effect differs by term (the target of a
        # length-k history is term k + 1).
        self.group_bias = nn.Parameter(torch.zeros(sizes["group_bias"]))

        # Recurrent correction. Same gate layout and initialisation range as torch.nn.GRU.
        # (The order of the random draws below is the order of the seeded training's.)
        bound = 1.0 / math.sqrt(self.shape.hidden)
        self.group_embedding = nn.Parameter(torch.randn(sizes["group_embedding"]) * 0.1)
        self.grade_input_weight = nn.Parameter(_uniform(sizes["grade_input_weight"], bound))
        self.group_input_weight = nn.Parameter(_uniform(sizes["group_input_weight"], bound))
        self.hidden_weight = nn.Parameter(_uniform(sizes["hidden_weight"], bound))
        self.input_bias = nn.Parameter(_uniform(sizes["input_bias"], bound))
        self.hidden_bias = nn.Parameter(_uniform(sizes["hidden_bias"], bound))
        # Zero head: training starts from the pure linear model.
        self.head_weight = nn.Parameter(torch.zeros(sizes["head_weight"]))

    def linear_parameters(self) -> list[nn.Parameter]:
        return [self.linear_weight, self.linear_bias, self.group_bias]

    def recurrent_parameters(self) -> list[nn.Parameter]:
        return [
            self.group_embedding,
            self.grade_input_weight,
            self.group_input_weight,
            self.hidden_weight,
            self.input_bias,
            self.hidden_bias,
            self.head_weight,
        ]

    @torch.jit.export
    def group_slots(self, group_indexes: Tensor) -> Tensor:
        """Group indexes -> embedding slots; -1, or any index outside the known groups, ->
        the unknown slot."""
        known = (group_indexes >= 0) & (group_indexes < self.group_count)
        return torch.where(known, group_indexes, torch.full_like(group_indexes, self.unknown_slot))

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

    def member_predictions(self, standardised: Tensor, lengths: Tensor, slots: Tensor) -> Tensor:
        """Standardised next grade from each ensemble member: [members, batch].

        `standardised` is [R, batch, steps] and `lengths`, `slots` are [R, batch], where R is
        1 (every member reads the same rows) or `members` (member k reads rows k: its own
        held-out students). Any row order is correct; rows sorted longest first are fastest,
        since each step runs only up to the last row still reading (`reading_counts`). Written
        for training speed on many rows: gathers rather than advanced indexing (whose backward
        pass accumulates index by index), few operations per step (each costs a fixed
        overhead on top of its arithmetic, forwards and backwards), and no step sliced out of
        one big tensor of every step (whose backward pass would fill a zero tensor of that
        size once per step).
        """
        members, hidden_size = self.shape.members, self.shape.hidden
        batch, steps = standardised.shape[1], standardised.shape[2]
        last_index = (lengths - 1).expand(members, batch)
        slots = slots.expand(members, batch)

        # Linear path: every length's regression on the row at once, then the row's own.
        by_length = torch.matmul(standardised, self.linear_weight[:, :, :steps].transpose(1, 2))
        linear = by_length.gather(2, last_index.unsqueeze(2)).squeeze(2)
        offset_index = slots * self.max_history + last_index
        linear = linear + self.linear_bias.gather(1, last_index)
        linear = linear + self.group_bias.flatten(1).gather(1, offset_index)
        if self.predict_change:
            rows = standardised.expand(members, batch, steps)
            linear = linear + rows.gather(2, last_index.unsqueeze(2)).squeeze(2)

        # The input side of the gates: a per-row constant (group embedding, biases) plus the
        # grade of the step times its weights. The hidden-side bias of the reset and update
        # gates is added here once, as it simply adds to the input side's.
        two = 2 * hidden_size
        embedding_size = self.shape.embedding
        embedded = self.group_embedding.gather(
            1, slots.unsqueeze(2).expand(members, batch, embedding_size)
        )
        gate_bias = self.input_bias + torch.cat(
            [self.hidden_bias[:, :two], torch.zeros_like(self.hidden_bias[:, two:])], 1
        )
        constant = torch.baddbmm(
            gate_bias.unsqueeze(1), embedded, self.group_input_weight.transpose(1, 2)
        )  # [members, batch, 3H]
        grade_weight = self.grade_input_weight.unsqueeze(1)  # [members, 1, 3H]
        reset_update_weight = self.hidden_weight[:, :two].transpose(1, 2)  # [members, H, 2H]
        new_weight = self.hidden_weight[:, two:].transpose(1, 2)  # [members, H, H]
        new_bias = self.hidden_bias[:, two:].unsqueeze(1)  # [members, 1, H]

        counts = reading_counts(lengths, steps)
        hidden = standardised.new_zeros(members, counts[0], hidden_size)
        states: list[Tensor] = []
        for step, count in enumerate(counts):
            # Rows past `count` have finished; their final states are already in `states`.
            hidden = hidden[:, :count]
            from_input = torch.addcmul(
                constant[:, :count], standardised[:, :count, step].unsqueeze(2), grade_weight
            )
            input_reset_update, input_new = from_input.split([two, hidden_size], 2)
            reset, update = torch.sigmoid(
                torch.baddbmm(input_reset_update, hidden, reset_update_weight)
            ).chunk(2, 2)
            hidden_new = torch.baddbmm(new_bias, hidden, new_weight)
            candidate = torch.tanh(torch.addcmul(input_new, reset, hidden_new))
            hidden = torch.lerp(candidate, hidden, update)  # (1 - update) * candidate + ...
            states.append(hidden)
        # The state after each row's own last grade: step l - 1 of a length-l row, at its
        # position within that step's block of the concatenated states.
        starts = torch.tensor([0, *counts[:-1]]).cumsum(0)
        position = torch.arange(batch).unsqueeze(0)
        index = (starts[last_index] + position).unsqueeze(2).expand(members, batch, hidden_size)
        final_state = torch.cat(states, 1).gather(1, index)
        correction = (final_state * self.head_weight.unsqueeze(1)).sum(2)
        correction = correction * self.correction_share_by_length[last_index]
        return linear + correction

    def forward(self, grades: Tensor, lengths: Tensor, group_indexes: Tensor) -> Tensor:
        """Raw grades [B, T], lengths [B], group indexes [B] -> [B, 3]: grade, low, high."""
        standardised, lengths = self.standardise(grades, lengths)
        slots = self.group_slots(group_indexes)
        rows = (standardised.unsqueeze(0), lengths.unsqueeze(0), slots.unsqueeze(0))
        scaled = self.member_predictions(*rows).mean(0)
        predicted = scaled * self.grade_std + self.grade_mean
        # The interval is centred on the unclamped prediction; all three are clamped after.
        half_width = self.half_width_by_slot_and_length[slots, lengths - 1]
        output = torch.stack([predicted, predicted - half_width, predicted + half_width], 1)
        return output.clamp(self.grade_floor, self.grade_ceiling)


def reading_counts(lengths: Tensor, steps: int) -> list[int]:
    """Per step t, 1 + the last position (over every R) of a row still reading at t (length
    > t): the rows that step must run. Non-increasing; for rows sorted longest first, just
    the number of rows with length > t."""
    reading = lengths.unsqueeze(2) > torch.arange(steps)  # [R, batch, steps]
    positions = torch.arange(1, lengths.shape[1] + 1).unsqueeze(1)
    counts = (reading.any(0) * positions).amax(0).tolist()
    return [count for count in counts if count > 0]


def _uniform(shape: tuple[int, ...], bound: float) -> Tensor:
    return torch.empty(shape).uniform_(-bound, bound)
