"""The last step of a fit: per history length, the network mixed with plain linear
regression in the share its held-out rows support (training/model/blend.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

import training.model.blend as blend
from tests.training.synthetic import HEADER, synthetic_rows, write_csv
from training.config import TrainingConfig
from training.data import Samples, load_students, max_history, prefix_samples
from training.evaluation.baselines import linear_regression_per_length
from training.model.blend import network_shares
from training.model.fit import fit_network, predict


def held_out_rows(
    fitted_noise: float, regression_noise: float, seed: int = 0
) -> tuple[torch.Tensor, ...]:
    """[members, rows] predictions of two models off the targets by their own noise, over
    history lengths 2 and 3 (1 and 4 have no rows), the last rows of each member padding."""
    generator = torch.Generator().manual_seed(seed)
    members, rows = 5, 400
    targets = torch.randn(members, rows, generator=generator)
    fitted = targets + fitted_noise * torch.randn(members, rows, generator=generator)
    regression = targets + regression_noise * torch.randn(members, rows, generator=generator)
    lengths = torch.arange(rows).remainder(2).add(2).expand(members, rows)
    weight = (torch.arange(rows) < rows - 20).float().expand(members, rows)
    return fitted, regression, targets, weight, lengths


def test_a_clearly_better_network_keeps_most_of_its_share() -> None:
    shares = network_shares(*held_out_rows(fitted_noise=0.3, regression_noise=1.0), 4)
    assert shares.shape == (4,)
    # Optimal mix of errors with variances 0.09 and 1: 1 / 1.09 of the better one.
    assert shares[1:3].tolist() == pytest.approx([0.92, 0.92], abs=0.03)
    assert shares[3] == 0.0  # no rows of length 4: the regression


def test_a_history_of_one_term_is_always_the_regression() -> None:
    fitted, regression, targets, weight, _ = held_out_rows(0.3, 1.0)
    one_term = torch.ones_like(targets, dtype=torch.int64)
    assert network_shares(fitted, regression, targets, weight, one_term, 2).tolist() == [0, 0]


def test_a_network_no_better_than_the_regression_gets_no_share() -> None:
    """The network's errors are the regression's plus noise of its own: no mix helps."""
    _, regression, targets, weight, lengths = held_out_rows(0.0, 1.0)
    noise = torch.randn(regression.shape, generator=torch.Generator().manual_seed(9))
    worse = network_shares(regression + 0.5 * noise, regression, targets, weight, lengths, 3)
    assert worse.tolist() == [0.0, 0.0, 0.0]
    same = network_shares(regression.clone(), regression, targets, weight, lengths, 3)
    assert same.tolist() == [0.0, 0.0, 0.0]


def test_a_gain_within_one_standard_error_is_not_taken() -> None:
    """A network a hair closer to the targets, plus noise: the best mix beats the regression
    on these rows, but by less than the noise of that comparison, so it is not taken."""
    _, regression, targets, weight, lengths = held_out_rows(0.0, 1.0)
    noise = torch.randn(regression.shape, generator=torch.Generator().manual_seed(9))
    fitted = regression + 0.005 * (targets - regression) + 0.3 * noise
    difference = fitted - regression
    chosen = (weight > 0) & (lengths == 2)
    gain = (difference[chosen] * (targets - regression)[chosen]).sum()
    assert float(gain) > 0  # the least-squares share alone would be positive
    assert network_shares(fitted, regression, targets, weight, lengths, 3).tolist() == [0, 0, 0]
    # The same pull, twenty times as strong, is taken.
    fitted = regression + 0.1 * (targets - regression) + 0.3 * noise
    assert network_shares(fitted, regression, targets, weight, lengths, 3)[1:].min() > 0.9


def training_samples(tmp_path: Path) -> tuple[Samples, int, int]:
    table = load_students(write_csv(tmp_path / "g.csv", [HEADER, *synthetic_rows(90, seed=5)]))
    history = max_history(table)
    return prefix_samples(table, list(range(len(table.students))), history), history, 3


def test_where_the_network_gets_no_share_the_model_is_the_per_length_regression(
    tmp_path: Path,
) -> None:
    """A network crippled by a huge penalty loses to the regression at every length, so
    the fitted model is the regression with the group one-hot per history length on every
    training row: the evaluation's per-length bar itself."""
    samples, history, groups = training_samples(tmp_path)
    config = TrainingConfig(linear_l2=100.0, offset_l2=100.0, max_epochs=0)
    fit = fit_network(samples, groups, history, config)
    assert fit.network.correction_share_by_length.tolist() == [0.0] * history
    served = predict(fit.network, samples)[:, 0]
    bar = linear_regression_per_length(samples, samples)
    np.testing.assert_allclose(served, bar, atol=1e-5)  # float32 weights, same least squares


def test_the_mix_folds_into_the_network_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever shares are chosen, the fitted network predicts share * (network as trained)
    + (1 - share) * (regression) at each length, in one pass of the same module."""
    samples, history, groups = training_samples(tmp_path)
    config = TrainingConfig(max_epochs=30, patience=30)
    unmixed = fit_network(samples, groups, history, replace(config, regression_blend=False))
    chosen = torch.tensor([0.0, 0.25, 0.5, 1.0])
    monkeypatch.setattr(blend, "network_shares", lambda *arguments: chosen)
    mixed = fit_network(samples, groups, history, config)
    assert mixed.network.correction_share_by_length.tolist() == chosen.tolist()

    network_alone = predict(unmixed.network, samples)[:, 0]
    regression = linear_regression_per_length(samples, samples)
    share = chosen.numpy()[samples.lengths - 1]
    expected = share * network_alone + (1 - share) * regression
    np.testing.assert_allclose(predict(mixed.network, samples)[:, 0], expected, atol=1e-5)
