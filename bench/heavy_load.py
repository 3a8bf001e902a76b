"""The heavy-load scenario (issue #25): many connections of the costliest valid batches, and
whether the service stays alive and answerable under them.

wrk keeps `--connections` connections busy posting 1000-student batches in which every student
asks for a risk and an explanation (bench/post_heavy.lua) for `--seconds`. Meanwhile a probe
asks /health/ready and /health/live in turn, as Kubernetes would, and a sampler watches the
service's resident memory. Reported: peak RSS, the probes' p99 and worst latency and any that
were not a 200 within the probe timeout, the answers by status (a 503 must carry Retry-After),
and the predictions per second of admitted work.

`python -m bench.heavy_load` writes bench/results/heavy_load.json; `make bench` runs it too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from app.model.card import ModelCard
from app.model.predictor import card_path_for
from bench.http_layer import ServiceAtCommit, extract
from bench.load import LoadSpec, machine, marked_line, parse_wrk, wrk_output
from bench.servers import started_launcher
from harness.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "post_heavy.lua"
STUDENTS_PER_BATCH = 1000
PROBE_PATHS = ("/health/ready", "/health/live")
# What the manifests give a probe before counting it failed is 2 s; the target is 1 s.
PROBE_TARGET_SECONDS = 1.0
PROBE_TIMEOUT_SECONDS = 10.0
PROBE_INTERVAL_SECONDS = 0.25


@dataclass
class Probe:
    """Asks the health routes in turn until stopped; a timeout counts as status 0."""

    base_url: str
    answers: list[tuple[str, int, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=PROBE_TIMEOUT_SECONDS) as http:
            turn = 0
            while not self._stop.wait(PROBE_INTERVAL_SECONDS):
                path = PROBE_PATHS[turn % len(PROBE_PATHS)]
                turn += 1
                began = time.perf_counter()
                try:
                    status = http.get(path).status_code
                except httpx.HTTPError:
                    status = 0
                self.answers.append((path, status, time.perf_counter() - began))

    def summary(self) -> dict:
        seconds = sorted(answer[2] for answer in self.answers)
        if not seconds:
            return {"probes": 0}
        p99 = seconds[min(len(seconds) - 1, round(0.99 * (len(seconds) - 1)))]
        return {
            "probes": len(seconds),
            "p99_ms": round(p99 * 1000, 1),
            "worst_ms": round(seconds[-1] * 1000, 1),
            "median_ms": round(statistics.median(seconds) * 1000, 1),
            "not_200": sum(1 for _, status, _ in self.answers if status != 200),
            "over_target": sum(1 for second in seconds if second > PROBE_TARGET_SECONDS),
        }


def measure(
    model: Path,
    connections: int,
    seconds: float,
    environment: dict,
    launcher: type[LiveServer] = LiveServer,
) -> dict:
    card = ModelCard.read(card_path_for(model))
    spec = LoadSpec(
        "batch",
        connections,
        seconds,
        card.max_history,
        tuple(card.group.codes),
        students_per_batch=STUDENTS_PER_BATCH,
        script=SCRIPT,
    )
    service_environment = {
        "CGPA_MODEL_PATH": str(model.resolve()),
        "CGPA_API_KEY": "",
        **environment,
    }
    with started_launcher(launcher, service_environment) as service:
        probe = Probe(service.server.base_url)
        prober = threading.Thread(target=probe.run, name="health-probe", daemon=True)
        prober.start()
        try:
            output = wrk_output(service.server.base_url, spec)
        finally:
            probe._stop.set()
            prober.join()
        peak_mib = service.memory.peak_bytes / 2**20
        peak_anonymous_mib = service.memory.peak_anonymous_bytes / 2**20
    load = parse_wrk(output)
    statuses = marked_line(output, "HEAVY_JSON ")
    return {
        "connections": connections,
        "seconds": load.seconds,
        "students_per_batch": STUDENTS_PER_BATCH,
        "peak_rss_mib": round(peak_mib, 1),
        # RSS less the pages mapped from files (bench/servers.py MemorySampler says why).
        "peak_anonymous_mib": round(peak_anonymous_mib, 1),
        "probes": probe.summary(),
        "answers": statuses,
        "socket_errors": load.socket_errors,
        "share_503": round(statuses["refused"] / max(1, load.requests), 3),
        "batch_p99_ms": load.p99_ms,
        "predictions_per_second": round(statuses["ok"] * STUDENTS_PER_BATCH / load.seconds),
    }


# The same load with the admission bound lifted: what this code does without it.
UNBOUNDED = {"CGPA_MAX_ROWS_IN_FLIGHT": "100000000"}
# The last commit before admission by cost (issue #25): "what the service does today".
BEFORE_ADMISSION = "2691407"


def measure_all(model: Path, connections: int, seconds: float, baseline: str, rounds: int) -> dict:
    """The scenario as shipped, with admission lifted, and served by the code of `baseline`
    (extracted with git archive, as bench.http_layer does, with the model committed there:
    an older service may not read today's card format), in `rounds` interleaved rounds so
    that a busy spell of the machine falls on every variant alike. Each variant's round with
    the median throughput is reported, and the ratio of the medians (`make bench`'s row)."""
    variants: dict[str, list[dict]] = {"as_shipped": [], "admission_lifted": [], "baseline": []}
    with tempfile.TemporaryDirectory(prefix="cgpa-baseline-") as tree:
        extract(baseline, Path(tree), ("app", "bench", "harness", "models"))
        baseline_model = Path(tree) / "models" / model.name
        for _ in range(rounds):
            variants["as_shipped"].append(measure(model, connections, seconds, {}))
            variants["admission_lifted"].append(measure(model, connections, seconds, UNBOUNDED))
            variants["baseline"].append(
                measure(baseline_model, connections, seconds, {"PYTHONPATH": tree}, ServiceAtCommit)
            )
    medians = {name: _median_round(runs) for name, runs in variants.items()}
    return {
        "rounds": rounds,
        "as_shipped": medians["as_shipped"],
        "admission_lifted": medians["admission_lifted"],
        f"at_{baseline}": medians["baseline"],
        "baseline": baseline,
        "throughput_by_round": {
            name: [run["predictions_per_second"] for run in runs] for name, runs in variants.items()
        },
        "throughput_ratio": round(
            medians["as_shipped"]["predictions_per_second"]
            / max(1, medians["baseline"]["predictions_per_second"]),
            3,
        ),
    }


def _median_round(runs: list[dict]) -> dict:
    ordered = sorted(runs, key=lambda run: run["predictions_per_second"])
    return ordered[len(ordered) // 2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.heavy_load", description=__doc__)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "cgpa_rnn.pt")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "heavy_load.json")
    parser.add_argument(
        "--baseline",
        help="also run with admission lifted and at this commit (e.g. "
        f"{BEFORE_ADMISSION}, before admission), and compare",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds of each variant (with --baseline)"
    )
    arguments = parser.parse_args(argv)
    load_at_start = os.getloadavg()
    model, connections, seconds = arguments.model, arguments.connections, arguments.seconds
    if arguments.baseline:
        heavy = measure_all(model, connections, seconds, arguments.baseline, arguments.rounds)
    else:
        heavy = measure(model, connections, seconds, {})
    result = {"machine": machine(load_at_start), "heavy_load": heavy}
    arguments.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["heavy_load"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
