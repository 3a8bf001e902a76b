"""The stock-GRU alternative that `python -m bench.stock_gru` times must be the same
model as the served one, or the timing would compare different work."""

from __future__ import annotations

import pytest
import torch

from bench.stock_gru import (
    BATCH_SIZES,
    StockGruPredictor,
    compare,
    example_inputs,
    example_network,
    verdict,
)
from training.export.serving_module import compact_module


def test_stock_gru_module_matches_the_training_network_and_the_fold() -> None:
    network = example_network()
    stock = torch.jit.script(StockGruPredictor(network).eval())
    grades, lengths, colleges = example_inputs(500)
    with torch.no_grad():
        expected = network(grades.float(), lengths, colleges).double()
    with torch.inference_mode():
        actual = stock(grades, lengths, colleges)
        folded = compact_module(network)(grades, lengths, colleges)
    assert actual.shape == (500, 3) and actual.dtype == torch.float64
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(actual, folded, atol=1e-9, rtol=0)


@pytest.mark.parametrize("padding", [float("nan"), float("inf"), 99.0])
def test_stock_gru_module_ignores_padding(padding: float) -> None:
    stock = torch.jit.script(StockGruPredictor(example_network()).eval())
    grades, lengths, colleges = example_inputs(200)
    padded = grades.clone()
    for row, length in enumerate(lengths.tolist()):
        padded[row, length:] = padding
    with torch.inference_mode():
        assert torch.equal(stock(padded, lengths, colleges), stock(grades, lengths, colleges))


def test_compare_reports_every_batch_size() -> None:
    rows = compare(rounds=1, seconds_per_run=0.001)
    assert [row["batch"] for row in rows] == list(BATCH_SIZES)
    assert all(row["hand fold"] > 0 and row["stock GRU"] > 0 for row in rows)


def test_verdict_calls_small_differences_noise() -> None:
    assert verdict({"hand fold": 100.0, "stock GRU": 105.0}) == "within noise"
    assert verdict({"hand fold": 105.0, "stock GRU": 100.0}) == "within noise"
    assert verdict({"hand fold": 100.0, "stock GRU": 150.0}) == "hand fold 1.50x faster"
    assert verdict({"hand fold": 150.0, "stock GRU": 100.0}) == "stock GRU 1.50x faster"
