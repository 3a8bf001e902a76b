"""The network's shape, written once, and what the export's rewrites assume of a network.

`GradeSequenceNet` (`training.model.network`) creates its parameters with the sizes of
`NetworkShape.parameters()`; the serving module (`training.export.serving_module`) and the
stock-GRU comparison (`bench/stock_gru.py`) read their sizes from the same object rather than
working them out again. `fold_problems` lists what breaks the fold's preconditions, so the
export refuses a network it would fold wrongly, naming the difference, instead of serving a
different model. A new input is a new entry in `parameters()`; until the fold folds it too,
the export refuses the network and says which parameter it does not know.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from torch import nn

# torch.nn.GRU's gate order. The network's gate slices and the fold's `by_gate` both assume
# it; the stock GRU in bench/ loads the folded weights as they are.
GATES = ("reset", "update", "new")


@dataclass(frozen=True)
class NetworkShape:
    members: int  # ensemble size K
    hidden: int  # each member's GRU width H
    embedding: int  # group embedding size E
    groups: int  # known groups; slot `groups` (the last) is "unknown / not given"
    max_history: int  # T: the longest history read, one grade per step

    @property
    def slots(self) -> int:
        return self.groups + 1

    @property
    def unknown_slot(self) -> int:
        return self.groups

    @property
    def gate_rows(self) -> int:
        """A member's gate pre-activations: the three gates of `GATES`, H rows each."""
        return len(GATES) * self.hidden

    @property
    def folded_width(self) -> int:
        """The width of the one GRU the export folds the ensemble into (K * H)."""
        return self.members * self.hidden

    def parameters(self) -> dict[str, tuple[int, ...]]:
        """Every trained parameter of `GradeSequenceNet`, by name, with its shape.

        The linear path: per member a regression per history length (row = length - 1) and an
        offset per group slot and length. The recurrent correction: per step, the grade and
        the group's embedding enter the gates linearly, and a head reads the final state.
        """
        k, t, s, g = self.members, self.max_history, self.slots, self.gate_rows
        return {
            "linear_weight": (k, t, t),
            "linear_bias": (k, t),
            "group_bias": (k, s, t),
            "group_embedding": (k, s, self.embedding),
            "grade_input_weight": (k, g),
            "group_input_weight": (k, g, self.embedding),
            "hidden_weight": (k, g, self.hidden),
            "input_bias": (k, g),
            "hidden_bias": (k, g),
            "head_weight": (k, self.hidden),
        }

    def buffers(self) -> dict[str, tuple[int, ...]]:
        """The fixed tensors: standardisation, the interval per group slot and length, and
        the share per length."""
        t = self.max_history
        return {
            "grade_mean": (),
            "grade_std": (),
            "half_width_by_slot_and_length": (self.slots, t),
            "correction_share_by_length": (t,),
        }


def fold_problems(network: nn.Module, shape: NetworkShape, folded: Collection[str]) -> list[str]:
    """What stops the fold of `network` from being exact; empty when nothing does.

    `folded` names the parameters the fold reads. The rewrites (serving_module's docstring)
    assume: the network holds exactly those parameters, at exactly the shapes above (a
    parameter the fold does not read would be silently dropped from the served model); the
    grades are standardised by one positive scalar mean and std; the unknown group is the last
    slot.
    """
    expected = shape.parameters()
    problems = []
    actual = dict(network.named_parameters())
    for name in sorted(set(actual) - set(folded)):
        problems.append(f"parameter {name!r} is not folded into the serving module")
    for name in sorted(set(folded) - set(actual)):
        problems.append(f"the fold reads parameter {name!r}, which the network does not have")
    sizes = {**expected, **shape.buffers()}
    tensors = {**actual, **dict(network.named_buffers())}
    for name in sorted(set(sizes) | set(actual)):
        if name not in sizes:
            problems.append(f"parameter {name!r} has no shape in NetworkShape.parameters()")
        elif name not in tensors:
            problems.append(f"the network has no {name!r}")
        elif tuple(tensors[name].shape) != sizes[name]:
            problems.append(
                f"{name!r} is {tuple(tensors[name].shape)}, NetworkShape says {sizes[name]}"
            )
    std = tensors.get("grade_std")
    if std is not None and std.numel() == 1 and not float(std) > 0:
        problems.append(f"grade_std is {float(std)}; standardising needs it positive")
    if getattr(network, "unknown_slot", None) != shape.unknown_slot:
        problems.append(f"the unknown group is not the last slot ({shape.unknown_slot})")
    return problems
