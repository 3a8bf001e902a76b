"""`python -m bench.recording` (part of `make bench`): what recording costs (issue #26).

The same server is driven with plain /predict bodies and with the same bodies carrying a
`student_id` (bench/post_recorded.lua), interleaved round by round, at 8 and 64 connections:
on SQLite with one worker, and on PostgreSQL with two workers (a database of its own on the
shared server, harness/postgres.py). Then 1000-student batches with ids on SQLite, as
recorded forecasts per second. The targets: recorded at least 0.7x the plain requests/s and
at most 2x its p99; at least 50,000 recorded forecasts/s. Results: bench/results/recording.json.

Beside wrk's figures, each run reports the CPU time the server's processes used per request
(per recorded forecast in batches): on a machine shared with other jobs requests/s moves with
their load, CPU time per request much less, so it shows what recording costs the server.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from app.model.card import ModelCard
from app.model.predictor import card_path_for
from bench.load import LUA_SCRIPT, LoadResult, LoadSpec, run_wrk
from bench.rounds import BATCH_CONNECTIONS, median_of
from bench.servers import StartedServer, started_launcher, tree_cpu_seconds
from harness.live_server import LiveServer
from harness.postgres import scratch_database, unreachable_reason

ROOT = Path(__file__).resolve().parents[1]
RECORDED_SCRIPT = ROOT / "bench" / "post_recorded.lua"
ID_KEY = "bench-id-key-0123456789abcdef"
MIN_THROUGHPUT_RATIO = 0.7
MAX_P99_RATIO = 2.0
MIN_RECORDED_PER_SECOND = 50_000


class TwoWorkers(LiveServer):
    @classmethod
    def command(cls, port: int, workers: int = 1) -> list[str]:
        return super().command(port, workers=2)


def measured(server: StartedServer, load: LoadSpec) -> tuple[LoadResult, float]:
    """wrk's figures and the server's CPU microseconds (all its processes) per request."""
    pid = server.server.process.pid
    before = tree_cpu_seconds(pid)
    result = run_wrk(server.server.base_url, load)
    return result, (tree_cpu_seconds(pid) - before) * 1e6 / max(result.requests, 1)


def compare(server: StartedServer, arguments: argparse.Namespace, spec: dict) -> dict:
    """Plain and recorded runs on one server, interleaved (the order turns each round); the
    ratios per connection count."""
    scripts = {"plain": LUA_SCRIPT, "recorded": RECORDED_SCRIPT}
    runs: dict[tuple[str, int], list[tuple[LoadResult, float]]] = {}
    for round_number in range(arguments.rounds):
        order = list(scripts)[round_number % 2 :] + list(scripts)[: round_number % 2]
        for connections in arguments.connections:
            for name in order:
                load = LoadSpec(
                    "single", connections, arguments.seconds, seed=round_number + 1,
                    script=scripts[name], **spec,
                )  # fmt: skip
                result, cpu = measured(server, load)
                runs.setdefault((name, connections), []).append((result, cpu))
                print(
                    f"round {round_number + 1}/{arguments.rounds}  c={connections:<3} {name:<9}"
                    f"{result.requests_per_second:>9.1f} req/s  p99 {result.p99_ms:.2f} ms  "
                    f"server CPU {cpu:.0f} us/request  non-2xx {result.non_2xx}  "
                    f"load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    ratios = {}
    for connections in arguments.connections:
        medians = {}
        for name in scripts:
            results = [result for result, _ in runs[(name, connections)]]
            cpu = statistics.median(cpu for _, cpu in runs[(name, connections)])
            medians[name] = {**median_of(results), "server_cpu_us_per_request": round(cpu, 1),
                             "rounds": [result.as_dict() for result in results]}  # fmt: skip
        plain, recorded = medians["plain"], medians["recorded"]
        throughput = recorded["requests_per_second"] / plain["requests_per_second"]
        p99 = recorded["p99_ms"] / plain["p99_ms"]
        ratios[str(connections)] = {
            "plain": plain,
            "recorded": recorded,
            "throughput_ratio": round(throughput, 3),
            "p99_ratio": round(p99, 3),
            "meets_target": throughput >= MIN_THROUGHPUT_RATIO
            and p99 <= MAX_P99_RATIO
            and recorded["non_2xx"] == 0,
        }
        print(
            f"c={connections}: recorded {throughput:.2f}x requests/s, p99 {p99:.2f}x; server "
            f"CPU per request {recorded['server_cpu_us_per_request']:.0f} us recorded, "
            f"{plain['server_cpu_us_per_request']:.0f} us plain",
            flush=True,
        )
    return ratios


def recorded_batches(server: StartedServer, arguments: argparse.Namespace, spec: dict) -> dict:
    runs = []
    for round_number in range(arguments.rounds):
        load = LoadSpec(
            "batch", BATCH_CONNECTIONS, max(arguments.seconds / 2, 1.0), seed=round_number + 1,
            script=RECORDED_SCRIPT, **spec,
        )  # fmt: skip
        runs.append(measured(server, load))
    median = median_of([result for result, _ in runs])
    per_second = round(median["requests_per_second"] * 1000)
    cpu = statistics.median(cpu for _, cpu in runs) / 1000
    print(
        f"1000-student batches with ids: {per_second:,} recorded forecasts/s; server CPU "
        f"{cpu:.1f} us per recorded forecast",
        flush=True,
    )
    return {
        "median": median,
        "recorded_per_second": per_second,
        "server_cpu_us_per_forecast": round(cpu, 1),
        "meets_target": per_second >= MIN_RECORDED_PER_SECOND and median["non_2xx"] == 0,
    }


def rows_in(database_url: str) -> int:
    url = sa.make_url(database_url)
    if url.drivername.startswith("postgres"):
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM forecasts")).scalar_one()
    engine.dispose()
    return int(count)


def log_size(database: Path) -> int:
    log = database.with_name(database.name + "-wal")
    return log.stat().st_size if log.exists() else 0


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    card = ModelCard.read(card_path_for(arguments.model))
    spec = {"max_history": card.max_history, "colleges": tuple(card.group.codes)}
    environment = {"CGPA_MODEL_PATH": str(arguments.model), "CGPA_API_KEY": "",
                   "CGPA_LOG_LEVEL": "warning", "CGPA_ID_KEY": ID_KEY}  # fmt: skip
    results: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "settings": {
            "rounds": arguments.rounds,
            "seconds_per_run": arguments.seconds,
            "connections": arguments.connections,
        },  # fmt: skip
    }
    with tempfile.TemporaryDirectory(prefix="cgpa-bench-") as folder, ExitStack() as stack:
        sqlite_url = f"sqlite:///{Path(folder) / 'cgpa.sqlite3'}"
        print("SQLite, one worker ...", flush=True)
        server = stack.enter_context(
            started_launcher(LiveServer, {**environment, "CGPA_DATABASE_URL": sqlite_url})
        )
        results["sqlite"] = compare(server, arguments, spec)
        results["sqlite_batch"] = recorded_batches(server, arguments, spec)
        results["sqlite"]["rows"] = rows_in(sqlite_url)
        # A log that only grows means checkpoints never complete (app/store/recorder.py).
        results["sqlite"]["write_ahead_log_bytes"] = log_size(Path(folder) / "cgpa.sqlite3")
        reason = unreachable_reason()
        if reason is None:
            postgres_url = stack.enter_context(scratch_database())
            print("PostgreSQL, two workers ...", flush=True)
            server = stack.enter_context(
                started_launcher(TwoWorkers, {**environment, "CGPA_DATABASE_URL": postgres_url})
            )
            results["postgresql_2_workers"] = compare(server, arguments, spec)
        else:
            print(f"PostgreSQL rows skipped: {reason}", flush=True)
            results["postgresql_2_workers"] = {"skipped": reason}
    results["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "recording.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {arguments.out / 'recording.json'}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recording", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10, help="length of each wrk run")
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "cgpa_rnn.pt")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
