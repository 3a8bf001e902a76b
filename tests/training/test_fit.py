"""Training details that only matter on large files: mini-batches, patience in optimiser
steps, and L2 penalties that weaken as the data grows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from tests.training.synthetic import HEADER, synthetic_rows, write_csv
from training.config import TrainingConfig
from training.data import load_students, max_history, prefix_samples
from training.fit import _batches, fit_network, linear_l2_strength


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
