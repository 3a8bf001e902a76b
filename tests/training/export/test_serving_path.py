"""The serving module's `path`: the next semester is forward's own, the later ones are the
direct regression's (training/model/path.py), NaN past the last semester, padding unread."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.training.export.test_serving_module import GROUPS, random_batch, random_network
from training.data import Samples
from training.export.serving_module import compact_module
from training.model.path import PathRegression

HISTORY = 4


def random_regression(scale: tuple[float, float] = (0.0, 10.0)) -> PathRegression:
    """Random raw tables for horizons 2..4 of a 4-term history (weights past a length zero)."""
    generator = torch.Generator().manual_seed(5)
    later = HISTORY - 1
    weight = torch.rand(later, HISTORY, HISTORY, generator=generator, dtype=torch.float64) * 0.3
    weight = torch.triu(weight)  # [horizon, step, length]: step < length only
    offset = torch.rand(later, GROUPS + 1, HISTORY, generator=generator, dtype=torch.float64)
    return PathRegression(HISTORY + 1, scale, weight, offset * scale[1] * 0.4)


def as_samples(grades: torch.Tensor, lengths: torch.Tensor, indexes: torch.Tensor) -> Samples:
    count = len(lengths)
    return Samples(
        grades.numpy().astype(np.float32),
        lengths.numpy(),
        indexes.numpy(),
        np.zeros(count, np.float32),
        np.arange(count),
    )


def test_path_starts_with_forward_and_continues_with_the_regression() -> None:
    regression = random_regression()
    served = compact_module(random_network(False), regression)
    grades, lengths, indexes = random_batch(400)
    with torch.inference_mode():
        path = served.path(grades, lengths, indexes)
        forward = served(grades, lengths, indexes)
    assert path.shape == (400, HISTORY) and path.dtype == torch.float64
    assert torch.equal(path[:, 0], forward[:, 0])  # exactly: the answer's own forecast
    samples = as_samples(grades, lengths, indexes)
    for horizon in regression.horizons:
        column = path[:, horizon - 1].numpy()
        reachable = (lengths + horizon <= HISTORY + 1).numpy()
        np.testing.assert_allclose(
            column[reachable], regression.predict(samples, horizon)[reachable], atol=1e-5
        )
        assert np.isnan(column[~reachable]).all()


@pytest.mark.parametrize("padding", [99.0, float("nan"), float("inf")])
def test_path_padding_values_do_not_matter(padding: float) -> None:
    served = compact_module(random_network(False), random_regression())
    grades, lengths, indexes = random_batch(200)
    padded = grades.clone()
    for row, length in enumerate(lengths.tolist()):
        padded[row, length:] = padding
    with torch.inference_mode():
        same = served.path(padded, lengths, indexes).nan_to_num(-1.0)
        assert torch.equal(same, served.path(grades, lengths, indexes).nan_to_num(-1.0))


def test_path_is_clamped_and_without_a_regression_is_the_next_semester() -> None:
    served = compact_module(random_network(False, scale=(0.0, 4.0)), random_regression((0, 4)))
    grades, lengths, indexes = random_batch(500, high=4.0)
    with torch.inference_mode():
        path = served.path(grades, lengths, indexes)
        alone = compact_module(random_network(False)).path(grades, lengths, indexes)
    present = path[~path.isnan()]
    assert float(present.min()) >= 0.0 and float(present.max()) <= 4.0
    assert alone.shape == (500, 1)
