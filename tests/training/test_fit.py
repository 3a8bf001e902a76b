"""Training details: mini-batches, patience in optimiser steps, L2 penalties that weaken as
the data grows, and the linear path's exact start."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LinearRegression

from tests.training.synthetic import HEADER, synthetic_rows, write_csv
from training.config import TrainingConfig
from training.data import load_students, max_history, prefix_samples
from training.fit import _batches, fit_network, linear_l2_strength, member_folds, ridge_start
from training.network import GradeSequenceNet


def test_one_batch_is_every_row_in_order_and_several_cover_every_row_once() -> None:
    generator = torch.Generator().manual_seed(0)
    assert torch.equal(_batches(10, 1, generator)[0], torch.arange(10))
    pieces = _batches(10, 3, generator)
    assert [len(piece) for piece in pieces] == [4, 3, 3]
    assert sorted(torch.cat(pieces).tolist()) == list(range(10))


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


def test_ridge_start_is_least_squares_per_length(tmp_path: Path) -> None:
    """With no penalty and no group dropout, each member's linear path starts at the
    ordinary least-squares fit of its own training rows, length by length."""
    table = load_students(write_csv(tmp_path / "g.csv", [HEADER, *synthetic_rows(90)]))
    history = max_history(table)
    samples = prefix_samples(table, list(range(len(table.students))), history)
    config = TrainingConfig(linear_l2=1e-9, group_dropout=0.0)
    network = GradeSequenceNet(len(table.groups), history, 7.0, 0.8, config)
    standardised, lengths = network.standardise(
        torch.from_numpy(samples.grades), torch.from_numpy(samples.lengths)
    )
    slots = network.group_slots(torch.from_numpy(samples.group_indexes))
    targets = (torch.from_numpy(samples.targets) - 7.0) / 0.8
    folds = torch.from_numpy(member_folds(samples.student_ids, config.ensemble_size, 0))
    trained_on = (folds.unsqueeze(0) != torch.arange(config.ensemble_size).unsqueeze(1)).float()
    strength = torch.ones(config.ensemble_size)
    ridge_start(network, standardised, lengths, slots, targets, trained_on, strength, config)

    with torch.no_grad():
        predicted = network.member_predictions(
            standardised.unsqueeze(0), lengths.unsqueeze(0), slots.unsqueeze(0)
        )
    for member in range(config.ensemble_size):
        for length in range(1, history + 1):
            rows = (lengths == length) & (trained_on[member] > 0)
            features = np.hstack(
                [standardised[rows, :length].numpy(), np.eye(4)[slots[rows].numpy()]]
            )
            expected = LinearRegression().fit(features, targets[rows].numpy()).predict(features)
            np.testing.assert_allclose(predicted[member, rows].numpy(), expected, atol=1e-4)
