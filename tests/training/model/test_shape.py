"""NetworkShape is the one statement of the network's sizes: the network is built from it and
the fold's preconditions are checked against it."""

from __future__ import annotations

from training.config import TrainingConfig
from training.model.network import GradeSequenceNet
from training.model.shape import NetworkShape, fold_problems


def test_the_network_holds_exactly_the_parameters_the_shape_lists() -> None:
    network = GradeSequenceNet(3, 6, 7.0, 0.9, TrainingConfig(hidden_size=5))
    assert network.shape == NetworkShape(
        members=TrainingConfig().ensemble_size, hidden=5, embedding=2, groups=3, max_history=6
    )
    held = {name: tuple(p.shape) for name, p in network.named_parameters()}
    assert held == network.shape.parameters()
    assert fold_problems(network, network.shape, held) == []


def test_a_zero_spread_and_a_missing_parameter_are_named() -> None:
    network = GradeSequenceNet(3, 6, 7.0, 0.9, TrainingConfig())
    network.grade_std.fill_(0.0)
    folded = {*network.shape.parameters(), "credit_weight"}
    problems = fold_problems(network, network.shape, folded)
    assert "grade_std is 0.0; standardising needs it positive" in problems
    assert any("'credit_weight', which the network does not have" in p for p in problems)
