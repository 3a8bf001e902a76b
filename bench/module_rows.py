"""What the size of one forward pass costs in time and memory: explaining 1000 students of
1-4 grades (about 26,000 coalition rows) with the module run in passes of at most N rows.

`python -m bench.module_rows [--model models/cgpa_rnn.pt] [--repeats 5]` prints one JSON row
per N. Each N runs in a process of its own, because memory the allocator once took stays
with the process: its peak resident memory (`ru_maxrss`) is then the figure for that N alone.
The service uses `app.model.predictor.MODULE_ROWS`.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch

from app.model import predictor as predictor_module
from app.model.predictor import MODULE_ROWS, load_predictor

PASS_ROWS = (512, 1024, 2048, 4096, 1_000_000)
STUDENTS = 1000


def measure_one(model_path: Path, rows: int, repeats: int) -> dict:
    """In this process: explain the students `repeats` times with passes of `rows` rows."""
    torch.set_num_threads(1)
    predictor_module.MODULE_ROWS = rows
    predictor = load_predictor(model_path)
    rng = random.Random(1)
    low, high = predictor.card.scale
    codes = [*predictor.card.group.codes, None]
    longest = min(predictor.card.max_history, 4)
    histories = [
        [round(rng.uniform(low, high), 2) for _ in range(rng.randint(1, longest))]
        for _ in range(STUDENTS)
    ]
    colleges = [rng.choice(codes) for _ in range(STUDENTS)]
    predictor.forecast_batch(histories, colleges)  # warm-up: TorchScript optimises on first calls
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        predictor.explain(histories, colleges)
        timings.append(time.perf_counter() - started)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows_per_pass": rows,
        "students": STUDENTS,
        "best_ms": round(min(timings) * 1000, 1),
        "peak_rss_before_mib": round(before),
        "peak_rss_added_mib": round(after - before, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.module_rows", description=__doc__)
    parser.add_argument("--model", type=Path, default=Path("models/cgpa_rnn.pt"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)  # one child's own N
    arguments = parser.parse_args(argv)
    if arguments.rows is not None:
        print(json.dumps(measure_one(arguments.model, arguments.rows, arguments.repeats)))
        return 0
    print(f"# the service's passes: at most {MODULE_ROWS} rows", flush=True)
    for rows in PASS_ROWS:
        command = [sys.executable, "-m", "bench.module_rows", "--model", str(arguments.model)]
        command += ["--repeats", str(arguments.repeats), "--rows", str(rows)]
        finished = subprocess.run(command, capture_output=True, text=True, check=True)
        print(finished.stdout.strip(), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
