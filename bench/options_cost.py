"""In-process cost of the #16 options: an explanation (exact Shapley values) and a risk below a
cut-off, for 1 and 1000 students of 1-4 grades, against the plain forward pass they add to.

`python -m bench.options_cost [--model models/cgpa_rnn.pt] [--seconds 1]` prints one JSON row
per case. It reads the card as raw JSON so it runs on either card format: a format 2 card gives
the reference and the residuals; on a format 1 card a stand-in reference (7.0 at every
position) and residuals (normal quantiles whose 90% conformal quantile is the card's
half-width) are used, which costs the same. HTTP is not timed here: `make bench` does that.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from statistics import NormalDist

import torch

from app.model.explain import UNKNOWN_GROUP, Explainer
from app.model.risk import RiskModel

BATCH_SIZES = (1, 1000)
LONGEST = 4


def milliseconds_per_call(call: Callable[[], object], seconds: float) -> float:
    """Mean wall time of `call` over `seconds`, after a warm-up (TorchScript profiles and
    optimises a graph on its first calls). Not `bench.model_speed`'s helper: that module
    imports training/, which this measurement does not need."""
    for _ in range(50):
        call()
    calls = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        call()
        calls += 1
    return (time.perf_counter() - started) * 1e3 / calls


def _from_card(model_path: Path) -> tuple[torch.jit.ScriptModule, Explainer, RiskModel, list]:
    module = torch.jit.load(str(model_path), map_location="cpu").eval()
    card = json.loads(model_path.with_suffix(".json").read_text())
    if card["format_version"] >= 2:
        reference = card["grade_mean_by_position"]
        residuals = card["interval"]["residuals_by_length"]
        scale = (card["grade_scale"]["low"], card["grade_scale"]["high"])
        groups = list(range(len(card["group"]["codes"])))
    else:
        reference = [7.0] * card["max_history"]
        residuals = {
            length: _normal_with_quantile(half_width)
            for length, half_width in card["interval"]["half_width_by_length"].items()
        }
        scale = (0.0, 10.0)
        groups = card["colleges"]  # format 1 modules take raw codes
    return module, Explainer(module, reference), RiskModel(residuals, scale), groups


def _normal_with_quantile(half_width: float, count: int = 1000) -> list[float]:
    # |R| <= q with probability 0.9 for R ~ N(0, s) when q = 1.645 s.
    normal = NormalDist(0.0, half_width / NormalDist().inv_cdf(0.95))
    return [normal.inv_cdf((rank + 0.5) / count) for rank in range(count)]


def measure(model_path: Path, seconds: float) -> list[dict]:
    """Rows of {case, batch, milliseconds_per_call}."""
    torch.set_num_threads(1)  # as the service runs (CGPA_TORCH_THREADS defaults to 1)
    module, explainer, risk, known = _from_card(model_path)
    generator = random.Random(0)
    rows = []
    for batch in BATCH_SIZES:
        histories = [
            [round(generator.uniform(5, 10), 2) for _ in range(generator.randint(1, LONGEST))]
            for _ in range(batch)
        ]
        groups = [generator.choice([*known, UNKNOWN_GROUP]) for _ in range(batch)]
        for case, call in _cases(module, explainer, risk, histories, groups).items():
            cost = milliseconds_per_call(call, seconds)
            rows.append({"case": case, "batch": batch, "milliseconds_per_call": cost})
    return rows


def _cases(
    module: torch.jit.ScriptModule,
    explainer: Explainer,
    risk: RiskModel,
    histories: list[list[float]],
    groups: list[int],
) -> dict[str, Callable[[], object]]:
    longest = max(map(len, histories))
    grades = torch.tensor([h + [0.0] * (longest - len(h)) for h in histories])
    lengths = [len(h) for h in histories]
    inputs = (grades, torch.tensor(lengths), torch.tensor(groups))
    with torch.inference_mode():
        predicted = module(*inputs)[:, 0].tolist()

    def forward() -> object:
        with torch.inference_mode():
            return module(*inputs)

    def explain() -> object:
        return explainer.explain(histories, groups)

    def below() -> object:
        return risk.probability_below(predicted, lengths, 6.5)

    def both() -> object:
        return explain(), below()

    return {"forward pass only": forward, "explain": explain, "risk": below, "explain + risk": both}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.options_cost", description=__doc__)
    parser.add_argument("--model", type=Path, default=Path("models/cgpa_rnn.pt"))
    parser.add_argument("--seconds", type=float, default=1.0)
    arguments = parser.parse_args(argv)
    for row in measure(arguments.model, arguments.seconds):
        print(json.dumps({**row, "milliseconds_per_call": round(row["milliseconds_per_call"], 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
