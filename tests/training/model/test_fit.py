"""Training details that only matter on large files: mini-batches, patience in optimiser
steps, and L2 penalties that weaken as the data grows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tests.training.synthetic import HEADER, synthetic_rows, write_csv
from training.config import TrainingConfig
from training.data import load_students, max_history, prefix_samples
from training.model.fit import _batches, fit_network, linear_l2_strength
from training.model.network import GradeSequenceNet
from training.model.ridge import ridge_start


def test_batches_cover_every_row_once_longest_history_first() -> None:
    generator = torch.Generator().manual_seed(0)
    lengths = torch.tensor([1, 3, 2, 3, 1, 2, 4, 1, 2, 3])
    (whole,) = _batches(lengths, 1, generator)
    assert whole.tolist() == [6, 1, 3, 9, 2, 5, 8, 0, 4, 7]  # stable: ties keep their order
    pieces = _batches(lengths, 3, generator)
    assert [len(piece) for piece in pieces] == [4, 3, 3]
    assert sorted(torch.cat(pieces).tolist()) == list(range(10))
    for piece in pieces:
        assert lengths[piece].tolist() == sorted(lengths[piece].tolist(), reverse=True)


def test_l2_weakens_beyond_the_reference_rows() -> None:
    config = TrainingConfig(l2_reference_rows=600)
    trained_on = torch.zeros(3, 6000)
    trained_on[0, :500] = 1
    trained_on[1, :600] = 1
    trained_on[2, :] = 1
    assert linear_l2_strength(trained_on, config).tolist() == [1.0, 1.0, 0.10000000149011612]


def test_mini_batches_train_deterministically(tmp_path: Path) -> None:
    table = load_students(write_csv(tmp_path / "g.csv", [HEADER, *synthetic_rows(60)]))
    history = max_history(table)
    samples = prefix_samples(table, list(range(len(table.students))), history)
    config = TrainingConfig(batch_size=64, max_epochs=30, patience=40)
    fits = [fit_network(samples, len(table.groups), history, config) for _ in range(2)]
    parameters = [list(fit.network.parameters()) for fit in fits]
    for first, second in zip(*parameters, strict=True):
        assert torch.equal(first, second)
    residuals = fits[0].calibration_residuals
    assert residuals.shape == (len(samples),) and np.isfinite(residuals).all()


def noiseless_linear_rows(rows: int, steps: int, groups: int) -> tuple[torch.Tensor, ...]:
    """Standardised grades, lengths, slots and targets where the target is exactly linear
    per history length: weights, a bias and a group effect that all differ by length."""
    generator = torch.Generator().manual_seed(5)
    lengths = torch.randint(1, steps + 1, (rows,), generator=generator)
    grades = torch.randn(rows, steps, generator=generator)
    grades = torch.where(torch.arange(steps) < lengths.unsqueeze(1), grades, 0.0)
    slots = torch.randint(0, groups, (rows,), generator=generator)
    weights = torch.randn(steps, steps, generator=generator)
    bias = torch.randn(steps, generator=generator)
    effect = torch.randn(groups, steps, generator=generator)
    by_length = grades @ weights.t()
    last = (lengths - 1).unsqueeze(1)
    targets = by_length.gather(1, last).squeeze(1) + bias[lengths - 1] + effect[slots, lengths - 1]
    return grades, lengths, slots, targets


@pytest.mark.parametrize("predict_change", [False, True])
def test_ridge_start_solves_the_linear_path_exactly_without_penalty(predict_change: bool) -> None:
    steps, groups, members = 4, 3, 5
    grades, lengths, slots, targets = noiseless_linear_rows(2000, steps, groups)
    if predict_change:  # the same data, the network then adds the last grade itself
        targets = targets + grades.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)
    config = TrainingConfig(
        linear_l2=0.0, offset_l2=0.0, group_dropout=0.0, predict_change=predict_change
    )
    network = GradeSequenceNet(groups, steps, 0.0, 1.0, config)
    trained_on = torch.arange(len(targets)) % members != torch.arange(members).unsqueeze(1)
    strength = torch.ones(members)
    ridge_start(network, (grades, lengths, slots, targets), trained_on.float(), strength, config)
    with torch.no_grad():
        predicted = network.member_predictions(grades[None], lengths[None], slots[None])
    # The head starts at zero, so this is the linear path alone, for every member.
    torch.testing.assert_close(predicted, targets.expand(members, -1), atol=1e-4, rtol=0)


def test_ridge_start_is_a_minimum_of_the_expected_training_loss() -> None:
    """With penalties and group dropout, the gradient of the loss training minimises (the
    group hidden with probability p, in expectation) is zero at the ridge start."""
    steps, groups, members = 3, 2, 2
    grades, lengths, slots, targets = noiseless_linear_rows(300, steps, groups)
    targets = targets + torch.randn(len(targets), generator=torch.Generator().manual_seed(1))
    config = TrainingConfig(ensemble_size=members, group_dropout=0.25, l2_reference_rows=100)
    network = GradeSequenceNet(groups, steps, 0.0, 1.0, config)
    trained_on = torch.arange(len(targets)) % members != torch.arange(members).unsqueeze(1)
    trained_on = trained_on.float()
    strength = linear_l2_strength(trained_on, config)
    ridge_start(network, (grades, lengths, slots, targets), trained_on, strength, config)
    network.double()
    loss = 0.0
    for share, used in ((0.75, slots), (0.25, torch.full_like(slots, network.unknown_slot))):
        predicted = network.member_predictions(grades[None].double(), lengths[None], used[None])
        errors = ((predicted - targets.double()) ** 2 * trained_on).sum(1) / trained_on.sum(1)
        loss = loss + share * errors
    weights, *offsets = network.linear_parameters()
    penalty = config.linear_l2 * weights.pow(2).flatten(1).sum(1)
    penalty = penalty + config.offset_l2 * sum(p.pow(2).flatten(1).sum(1) for p in offsets)
    (loss + strength.double() * penalty).sum().backward()
    for parameter in network.linear_parameters():
        assert parameter.grad is not None  # zero up to the parameters' float32 rounding
        assert float(parameter.grad.abs().max()) < 1e-6


def test_recurrent_steps_skip_finished_rows_without_changing_the_answer() -> None:
    """Rows in any order, per-member rows (R = members), with or without sorting: the same
    predictions as running every row through every step one row at a time."""
    torch.manual_seed(2)
    network = GradeSequenceNet(3, 5, 0.0, 1.0, TrainingConfig())
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.normal_(0.0, 0.5)
    grades, lengths, slots, _ = noiseless_linear_rows(40, 5, 3)
    rows = (grades.expand(5, -1, -1), lengths.expand(5, -1), slots.expand(5, -1))
    with torch.no_grad():
        together = network.member_predictions(*rows)
        alone = torch.cat(
            [
                network.member_predictions(
                    grades[None, i : i + 1], lengths[None, i : i + 1], slots[None, i : i + 1]
                )
                for i in range(len(lengths))
            ],
            1,
        )
        order = torch.argsort(lengths, descending=True)
        in_order = network.member_predictions(
            grades[None, order], lengths[None, order], slots[None, order]
        )
    torch.testing.assert_close(together, alone, atol=1e-6, rtol=0)
    torch.testing.assert_close(in_order, alone[:, order], atol=1e-6, rtol=0)


def test_a_member_that_never_beats_the_ridge_start_keeps_it(tmp_path: Path) -> None:
    table = load_students(write_csv(tmp_path / "g.csv", [HEADER, *synthetic_rows(60)]))
    history = max_history(table)
    samples = prefix_samples(table, list(range(len(table.students))), history)
    # A learning rate this large only makes things worse: every member stops at the start.
    config = TrainingConfig(learning_rate=10.0, max_epochs=5, patience=3)
    fit = fit_network(samples, len(table.groups), history, config)
    assert fit.stopped_epochs == [0] * config.ensemble_size
    assert float(fit.network.head_weight.detach().abs().max()) == 0.0
