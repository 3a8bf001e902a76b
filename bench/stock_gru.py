"""Is the hand fold worth it? The served module against one built around a stock nn.GRU.

`python -m bench.stock_gru` times the forward pass of `CompactGradePredictor` (the
hand-folded export, `training.export.serving_module`) and of `StockGruPredictor` (the same trained
ensemble as one stock `torch.nn.GRU`), as the service runs them: one thread, under
`torch.inference_mode()`, float64. Timing runs of the two alternate within one process and
the medians are printed, because the machine is shared and noisy. The rule the export
follows: keep the hand fold only while it wins by more than noise (about 10%).

Speed does not depend on the weights' values, so both modules come from one randomly
initialised network with the shipped model's shapes (4 known groups, 4 grades, the
default hyperparameters); tests/bench/test_stock_gru.py checks they agree.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from torch import Tensor, nn

from training.config import TrainingConfig
from training.export.fold import fold_ensemble
from training.export.layout import INTERVAL_SIGNS
from training.export.serving_module import compact_module
from training.model.network import GradeSequenceNet

BATCH_SIZES = (1, 8, 1000)
EXAMPLE_GROUPS = 4
NOISE = 0.10  # differences below this fraction are not told apart on this machine


class StockGruPredictor(nn.Module):
    """The same forward contract as `CompactGradePredictor`, on a stock `torch.nn.GRU`.

    It shares the fold's rewrites 1-3 (one GRU of width K * H with block-diagonal weights,
    standardisation in the weights, groups as one-hot input columns) and none of its
    layout or tanh rewrites: the GRU reads [grade, group one-hot] per step, and one matrix
    product of [final state, groups, grades] gives the linear path, the head and the
    interval for every length, of which the student's own three columns are gathered.
    """

    def __init__(self, trained: GradeSequenceNet) -> None:
        super().__init__()
        with torch.no_grad():
            tables = fold_ensemble(trained)
            shape = trained.shape
            history, groups, width = shape.max_history, shape.groups, shape.folded_width
            self.gru = nn.GRU(1 + groups, width, batch_first=True).double()
            self.gru.weight_ih_l0.copy_(
                torch.cat(
                    [tables["grade_gates"].unsqueeze(1), tables["group_gate_differences"].t()],
                    1,
                )
            )
            self.gru.bias_ih_l0.copy_(tables["unknown_gates"])  # holds the r, z hidden biases
            hidden = tables["hidden_weights"].transpose(1, 2).reshape(3 * width, width)
            self.gru.weight_hh_l0.copy_(hidden)
            self.gru.bias_hh_l0.zero_()
            self.gru.bias_hh_l0[2 * width :] = tables["new_bias"]
            # Column 3 * (length - 1) + k: output k (grade, low, high) for that length.
            signs = torch.tensor(INTERVAL_SIGNS, dtype=torch.float64)
            half_width = trained.half_width_by_slot_and_length.double()  # [groups + 1, T]
            # Rows: final state, groups, grades (last, so shorter batches narrow them off).
            weight = torch.zeros(width + groups + history, history, 3, dtype=torch.float64)
            share = tables["correction_share"].view(1, history, 1)
            weight[:width] = tables["head"].view(width, 1, 1) * share
            weight[width : width + groups] = tables["group_offset_differences"].unsqueeze(2)
            # A group's half-width: the unknown group's in the bias, the difference here.
            weight[width : width + groups] += (half_width[:groups] - half_width[-1]).unsqueeze(
                2
            ) * signs
            weight[width + groups :] = tables["linear_weight"].unsqueeze(2)
            bias = tables["unknown_offsets"].unsqueeze(1) + half_width[-1].unsqueeze(1) * signs
        self.register_buffer("output_weight", weight.reshape(-1, 3 * history).contiguous())
        self.register_buffer("output_bias", bias.reshape(3 * history).contiguous())
        self.register_buffer("group_numbers", torch.arange(groups))
        self.register_buffer("step_numbers", torch.arange(history))
        self.register_buffer("output_columns", torch.tensor([-3, -2, -1]))
        self.register_buffer("zero", torch.zeros((), dtype=torch.float64))
        self.max_history: int = history
        self.groups: int = groups
        self.grade_floor: float = trained.grade_floor
        self.grade_ceiling: float = trained.grade_ceiling
        self.width: int = width
        self.one: float = 1.0  # as in CompactGradePredictor: keeps addmm one operation

    def forward(self, grades: Tensor, lengths: Tensor, group_indexes: Tensor) -> Tensor:
        steps = min(grades.size(1), self.max_history)
        grades = grades.narrow(1, 0, steps).to(torch.float64)
        lengths = lengths.clamp(1, steps)
        present = self.step_numbers.narrow(0, 0, steps) < lengths.unsqueeze(1)
        # `where`, not a multiply by the mask: padding may be NaN or inf and must not leak.
        grades = torch.where(present, grades, self.zero)
        groups = (group_indexes.unsqueeze(1) == self.group_numbers).to(torch.float64)
        per_step = groups.unsqueeze(1).expand(-1, steps, -1)
        states, _ = self.gru(torch.cat([grades.unsqueeze(2), per_step], 2))  # [B, steps, W]
        last = (lengths - 1).view(-1, 1, 1).expand(-1, 1, self.width)
        final_state = states.gather(1, last).squeeze(1)
        weight = self.output_weight.narrow(0, 0, self.width + self.groups + steps)
        inputs = torch.cat([final_state, groups, grades], 1)
        by_length = torch.addmm(self.output_bias, inputs, weight, alpha=self.one)
        columns = torch.add(self.output_columns, lengths.unsqueeze(1), alpha=3)
        return by_length.gather(1, columns).clamp(self.grade_floor, self.grade_ceiling)


def example_network(seed: int = 3) -> GradeSequenceNet:
    """Random weights everywhere (not the zero head of a fresh network), shipped shapes."""
    torch.manual_seed(seed)
    network = GradeSequenceNet(EXAMPLE_GROUPS, 4, 7.0, 0.9, TrainingConfig())
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.normal_(0.0, 0.3)
        # Per length, and per group (every group's cells their own; the last row, pooled).
        by_slot = torch.linspace(0.8, 1.2, network.shape.slots).unsqueeze(1)
        network.half_width_by_slot_and_length.copy_(by_slot * torch.tensor([0.9, 0.8, 0.7, 0.6]))
        network.correction_share_by_length.copy_(torch.tensor([0.0, 0.5, 0.8, 1.0]))
    return network.eval()


def example_inputs(batch: int, seed: int = 0) -> tuple[Tensor, Tensor, Tensor]:
    generator = torch.Generator().manual_seed(seed)
    grades = torch.rand(batch, 4, generator=generator, dtype=torch.float64) * 10
    lengths = torch.randint(1, 5, (batch,), generator=generator)
    choices = torch.tensor([*range(EXAMPLE_GROUPS), -1, 99])  # known, none, out of range
    return grades, lengths, choices[torch.randint(0, len(choices), (batch,), generator=generator)]


def median_microseconds(
    calls: dict[str, Callable[[], object]], rounds: int, seconds_per_run: float
) -> dict[str, float]:
    """Median microseconds per call of each, over `rounds` interleaved timing runs."""
    for call in calls.values():  # warm up: the first TorchScript calls optimise the graph
        for _ in range(50):
            call()
    per_run = {}
    for name, call in calls.items():  # calls per run, so each run lasts about seconds_per_run
        started = time.perf_counter()
        for _ in range(20):
            call()
        per_run[name] = max(1, round(seconds_per_run * 20 / (time.perf_counter() - started)))
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for round_number in range(rounds):
        order = list(calls) if round_number % 2 == 0 else list(reversed(calls))
        for name in order:
            started = time.perf_counter()
            for _ in range(per_run[name]):
                calls[name]()
            samples[name].append((time.perf_counter() - started) / per_run[name] * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


def compare(rounds: int = 15, seconds_per_run: float = 0.05) -> list[dict[str, float]]:
    """One row per batch size: median µs per forward pass of each module, and their ratio."""
    torch.set_num_threads(1)  # as the service runs (CGPA_TORCH_THREADS defaults to 1)
    network = example_network()
    modules = {
        "hand fold": compact_module(network),
        "stock GRU": torch.jit.script(StockGruPredictor(network).eval()),
    }
    rows = []
    with torch.inference_mode():
        for batch in BATCH_SIZES:
            inputs = example_inputs(batch)
            calls = {
                name: (lambda module=module, inputs=inputs: module(*inputs))
                for name, module in modules.items()
            }
            medians = median_microseconds(calls, rounds, seconds_per_run)
            rows.append({"batch": batch, **medians})
    return rows


def verdict(row: dict[str, float]) -> str:
    ratio = row["stock GRU"] / row["hand fold"]
    if 1 / (1 + NOISE) < ratio < 1 + NOISE:
        return "within noise"
    return f"hand fold {ratio:.2f}x faster" if ratio > 1 else f"stock GRU {1 / ratio:.2f}x faster"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.stock_gru", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15, help="interleaved runs per module")
    parser.add_argument("--seconds", type=float, default=0.05, help="length of one run")
    arguments = parser.parse_args(argv)
    rows = compare(arguments.rounds, arguments.seconds)
    lines = [
        f"forward pass, median µs per call over {arguments.rounds} interleaved runs "
        f"(torch {torch.__version__}, 1 thread, inference mode)",
        f"{'batch':>6}{'hand fold':>12}{'stock GRU':>12}{'stock/fold':>12}  verdict",
    ]
    for row in rows:
        lines.append(
            f"{row['batch']:>6}{row['hand fold']:>12.1f}{row['stock GRU']:>12.1f}"
            f"{row['stock GRU'] / row['hand fold']:>12.2f}  {verdict(row)}"
        )
    print("\n".join(lines))  # noqa: T201 - a command-line report


if __name__ == "__main__":
    main()
