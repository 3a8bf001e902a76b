"""In-process model throughput: the project's checkpoint against the original notebook's
architecture, one student per call and 1000 per call, with nothing but the forward pass timed.

The notebook's model is the evaluation's baseline, `training.evaluation.baselines.NotebookRnn`,
untrained (its speed does not depend on its weights):
`nn.RNN(input_size=4, hidden_size=64, num_layers=3)` over a single time step holding the four
grades, then a linear head and a ReLU, scripted with TorchScript like ours.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from training.evaluation.baselines import NotebookRnn

BATCH_SIZES = (1, 1000)


def calls_per_second(call: Callable[[], object], seconds: float, warmup_calls: int = 20) -> float:
    """Calls in `seconds` of wall time after a short warm-up (the first TorchScript calls
    profile and optimise the graph)."""
    for _ in range(warmup_calls):
        call()
    calls = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        call()
        calls += 1
    return calls / (time.perf_counter() - started)


def _inputs(batch: int, steps: int, generator: torch.Generator) -> tuple[Tensor, ...]:
    # float64, as the service sends them (see training/export/serving_module.py for why).
    grades = torch.rand(batch, steps, generator=generator, dtype=torch.float64) * 10
    lengths = torch.randint(1, steps + 1, (batch,), generator=generator)
    return grades, lengths, torch.full((batch,), -1, dtype=torch.int64)


def _ours(model_path: Path, batch: int) -> Callable[[], object]:
    module = torch.jit.load(str(model_path), map_location="cpu").eval()
    inputs = _inputs(batch, 4, torch.Generator().manual_seed(batch))
    return lambda: module(*inputs)


def _ours_mixed_shapes(model_path: Path) -> Callable[[], object]:
    """What serving sees: coalesced batches of 1-8 students, histories of 1-4 grades."""
    module = torch.jit.load(str(model_path), map_location="cpu").eval()
    generator = torch.Generator().manual_seed(0)
    shapes = [(batch, steps) for batch in (1, 2, 3, 5, 8) for steps in (1, 2, 3, 4)]
    cycle = [_inputs(batch, steps, generator) for batch, steps in shapes]
    position = 0

    def call() -> object:
        nonlocal position
        position = (position + 1) % len(cycle)
        return module(*cycle[position])

    return call


def _notebook(batch: int) -> Callable[[], object]:
    torch.manual_seed(0)
    module = torch.jit.script(NotebookRnn(4).eval())  # the four grades as one input
    grades = torch.rand(batch, 4) * 10
    return lambda: module(grades)


def measure(model_path: Path, seconds: float) -> list[dict]:
    """Rows of {model, batch, calls_per_second, predictions_per_second, microseconds_per_call}."""
    torch.set_num_threads(1)  # as the service runs (CGPA_TORCH_THREADS defaults to 1)
    rows = []

    def add(
        name: str, batch: int | str, call: Callable[[], object], per_call: float, warmup: int = 20
    ) -> None:
        rate = calls_per_second(call, seconds, warmup)
        rows.append(
            {
                "model": name,
                "batch": batch,
                "calls_per_second": round(rate, 1),
                "predictions_per_second": round(rate * per_call),
                "microseconds_per_call": round(1e6 / rate, 1),
            }
        )

    with torch.inference_mode():
        for batch in BATCH_SIZES:
            add("project (TorchScript checkpoint)", batch, _ours(model_path, batch), batch)
        for batch in BATCH_SIZES:
            add("notebook nn.RNN 4-64x3 + ReLU head", batch, _notebook(batch), batch)
        # Mean students per call over the cycle of shapes is (1 + 2 + 3 + 5 + 8) / 5 = 3.8.
        # The warm-up lets TorchScript profile and compile every shape first.
        mixed = _ours_mixed_shapes(model_path)
        add("project, mixed shapes (1-4 grades)", "1-8", mixed, 3.8, warmup=400)
    return rows
