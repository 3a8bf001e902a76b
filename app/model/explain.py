"""Exact Shapley values of the served prediction: how much each input moved it.

A student with L grades is explained as a game of L + 1 players: `grades[0]` .. `grades[L-1]`
and the group (`college_code`). The value of a coalition S is the served prediction (column 0
of the module's forward, clamped to the scale as it is served) with the inputs in S as given and
every other input at the reference:

- a grade at the training population's mean grade at that position
  (`card.grade_mean_by_position`), the one point every explanation is measured from;
- the group at the unknown slot (index -1): the network was trained with group dropout, so
  that slot is what it predicts for a student of no particular group.

This is the interventional, single-reference-point game: the baseline is f(reference) for that
history length, and the Shapley values, phi_j = sum over S without j of
|S|! (n - |S| - 1)! / n! * (v(S + j) - v(S)), add up to f(x) - baseline exactly (efficiency), so
`baseline + sum(contributions) == predicted` up to float64 rounding (about 1e-14), whatever the
network does. One reference point rather than an average over the training set keeps the answer
exact and its cost 2^n forward rows instead of 2^n times the population; the price is that the
values describe the move from that one typical student, which is what an advisor's "compared
with an average student" means.

A group index of -1 (no code given, or one the model does not know) equals the reference, so
that player adds nothing to any coalition: it gets exactly 0.0 (the null-player axiom) and is
left out of the enumeration, which halves the work.

Cost: every coalition of every student is one row of a forward pass (one pass per history
length in the batch), 2^(L+1) rows per student (2^L without a group): 32 for four grades, 8192
for twelve, so the time grows with the rows, about 2^L. The Shapley values are then one matrix
product per length and group presence, coalition values [students, 2^n] @ weights [2^n, n].
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from app.model.card import UNKNOWN_GROUP_INDEX

if TYPE_CHECKING:
    from app.model.card import ModelCard

# forward(grades float64[B, T], lengths int64[B], group_indexes int64[B]) -> float64[B, 3]: the
# checkpoint's TorchScript module itself fits.
Forward = Callable[[Tensor, Tensor, Tensor], Tensor]

# The module's unknown-group slot (no code given, or one it does not know): the reference.
UNKNOWN_GROUP = UNKNOWN_GROUP_INDEX
# The request field's name, so a client can match each contribution to what it sent.
GROUP_INPUT = "college_code"


@dataclass(slots=True)
class Explanation:
    baseline: float  # the prediction for the reference student of this history length
    contributions: list[tuple[str, float]]  # (input name, Shapley value), grades then group
    predicted: float  # the prediction explained: baseline + sum of the values


@dataclass(frozen=True, slots=True)
class Coalitions:
    """Every coalition of n players, bit j of row s saying whether player j is in it."""

    members: Tensor  # bool [2^n, n]; row 0 is the empty coalition, the last row everyone
    weights: Tensor  # float64 [2^n, n]: Shapley values = coalition values @ weights


def coalitions(players: int) -> Coalitions:
    """The coalition table and Shapley weights for `players` players.

    Player j's value is sum_S v(S) * weight[S, j], with weight +w(|S| - 1) when j is in S
    (S is some T + j) and -w(|S|) when it is not, w(s) = s! (n - s - 1)! / n!.
    """
    rows = torch.arange(1 << players).unsqueeze(1)
    members = (rows >> torch.arange(players)) & 1 == 1
    sizes = members.sum(1, keepdim=True)
    shares = torch.tensor(
        [
            math.factorial(size) * math.factorial(players - size - 1) / math.factorial(players)
            for size in range(players)
        ]
        + [0.0],  # w(n) is never used: no coalition of n players lacks anyone
        dtype=torch.float64,
    )
    weights = torch.where(members, shares[(sizes - 1).clamp(min=0)], -shares[sizes])
    return Coalitions(members, weights)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What explaining students of one history length, with or without a group, needs,
    prepared once: the per-request work is then a handful of tensor operations."""

    count: int  # coalitions, 2^n
    grade_members: Tensor  # bool [1, 2^n, L]
    group_members: Tensor | None  # bool [1, 2^n], None when the group is not a player
    reference: Tensor  # float64 [L]
    # [2^n, n + 2]: the Shapley weights, then one-hot columns picking the empty and the full
    # coalition, so one product gives the values, the baseline and the prediction (a product
    # with a one-hot column is exact: every other term is an exact zero).
    readout: Tensor
    names: list[str]


def coalition_rows(lengths: Sequence[int], group_indexes: Sequence[int]) -> int:
    """How many forward rows explaining these students takes: what the time grows with, so
    a caller can refuse a batch whose explanation would take too long before starting it."""
    return sum(
        1 << (length + (group != UNKNOWN_GROUP))
        for length, group in zip(lengths, group_indexes, strict=True)
    )


class Explainer:
    """Shapley values of the served module against one reference student."""

    def __init__(self, forward: Forward, reference: Sequence[float]) -> None:
        if not reference:
            raise ValueError("the reference needs a grade for at least one position")
        self.forward = forward
        self.reference = torch.tensor(list(reference), dtype=torch.float64)
        self._plans: dict[tuple[int, bool], _Plan] = {}

    @classmethod
    def from_card(cls, forward: Forward, card: ModelCard) -> Explainer:
        return cls(forward, card.grade_mean_by_position)

    def explain(
        self, histories: Sequence[Sequence[float]], group_indexes: Sequence[int]
    ) -> list[Explanation]:
        """One explanation per student, from one forward pass per history length."""
        # Students of one length, with a group or without, share a coalition table.
        buckets: dict[int, dict[bool, list[int]]] = {}
        for student, (history, group) in enumerate(zip(histories, group_indexes, strict=True)):
            by_group = buckets.setdefault(len(history), {})
            by_group.setdefault(group != UNKNOWN_GROUP, []).append(student)
        if buckets and not 1 <= min(buckets) <= max(buckets) <= len(self.reference):
            raise ValueError(f"history lengths must be 1 to {len(self.reference)}")
        explanations: list[Explanation] = [None] * len(histories)  # type: ignore[list-item]
        with torch.inference_mode():
            for length, by_group in buckets.items():
                self._explain_length(length, by_group, histories, group_indexes, explanations)
        return explanations

    def _explain_length(
        self,
        length: int,
        by_group: dict[bool, list[int]],
        histories: Sequence[Sequence[float]],
        group_indexes: Sequence[int],
        explanations: list[Explanation],
    ) -> None:
        """Every coalition of every student of one history length in one forward pass.

        One pass per length rather than one for the whole batch: the module runs as many
        recurrent steps as its widest row, so padding one-grade students' coalitions to four
        steps costs about a quarter more on a mixed batch of 1000 (bench/options_cost.py).
        """
        plans = [(self._plan(length, grouped), students) for grouped, students in by_group.items()]
        grade_rows: list[Tensor] = []
        group_rows: list[Tensor] = []
        for plan, students in plans:
            given = torch.tensor([histories[s] for s in students], dtype=torch.float64)
            # [students, 2^n, L]: a grade as given where its player is in the coalition.
            grades = torch.where(plan.grade_members, given.unsqueeze(1), plan.reference)
            grade_rows.append(grades.view(-1, length))
            if plan.group_members is None:
                rows = len(students) * plan.count
                group_rows.append(torch.full((rows,), UNKNOWN_GROUP, dtype=torch.int64))
            else:
                codes = torch.tensor([[group_indexes[s]] for s in students], dtype=torch.int64)
                group_rows.append(torch.where(plan.group_members, codes, UNKNOWN_GROUP).view(-1))
        grades = grade_rows[0] if len(plans) == 1 else torch.cat(grade_rows)
        groups = group_rows[0] if len(plans) == 1 else torch.cat(group_rows)
        lengths = torch.full((grades.size(0),), length, dtype=torch.int64)
        values = self.forward(grades, lengths, groups)[:, 0].to(torch.float64)

        offset = 0
        for plan, students in plans:
            rows = len(students) * plan.count
            read = values[offset : offset + rows].view(len(students), plan.count) @ plan.readout
            offset += rows
            names = plan.names
            for student, (*shares, baseline, predicted) in zip(
                students, read.tolist(), strict=True
            ):
                if plan.group_members is None:
                    shares.append(0.0)  # the null player: no group, no effect
                explanations[student] = Explanation(
                    baseline, list(zip(names, shares, strict=True)), predicted
                )

    def _plan(self, length: int, grouped: bool) -> _Plan:
        plan = self._plans.get((length, grouped))
        if plan is None:
            table = coalitions(length + grouped)
            count = table.members.size(0)
            picks = torch.zeros(count, 2, dtype=torch.float64)
            picks[0, 0] = picks[-1, 1] = 1.0
            plan = self._plans[(length, grouped)] = _Plan(
                count=count,
                grade_members=table.members[:, :length].unsqueeze(0),
                group_members=table.members[:, length].unsqueeze(0) if grouped else None,
                reference=self.reference[:length].clone(),
                readout=torch.cat([table.weights, picks], 1),
                names=[f"grades[{position}]" for position in range(length)] + [GROUP_INPUT],
            )
        return plan
