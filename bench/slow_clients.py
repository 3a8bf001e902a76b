"""`python -m bench.slow_clients`: what slow and abusive clients cost the service (issue #17).

Two servers on 127.0.0.1: the service as shipped (`python -m app`, with the connection limits
of app/server/) and the same app under stock uvicorn (`--http auto`: httptools without them).
wrk posts single predictions to each alone, in interleaved rounds (the medians give the cost
of the limits on the fast path); then again while 400 slowloris connections trickle a header
byte every 2 s, reopening when closed. The service must keep 0.7x of its requests/s with no
errors and close each slow connection within CGPA_HEADER_TIMEOUT (plus a second); a 200 KB
header must get 431 or a close. Prints a table and writes bench/results/slow_clients.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from app.config import Settings
from app.model.card import ModelCard
from app.model.predictor import card_path_for
from bench.load import LoadResult, LoadSpec, run_wrk
from bench.protocol_cost import protocol_overhead
from bench.servers import uvicorn_command
from bench.slowloris import SLOW_HEAD, Slowloris, raise_open_file_limit
from harness.live_server import LiveServer, read_http_response

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "slow_clients.json"
# The slow connections must be closed this soon after CGPA_HEADER_TIMEOUT.
CLOSE_SLACK = 1.0
KEEP_FRACTION = 0.7


class StockServer(LiveServer):
    """The same app under uvicorn's own httptools protocol: the limits' baseline."""

    @classmethod
    def command(cls, port: int, workers: int = 1) -> list[str]:
        return uvicorn_command("app.main:app", port)


def big_header_status(server: LiveServer, size: int) -> int:
    """The status a `size`-byte header gets; 0 if the server closed without an answer."""
    with server.connect() as connection:
        try:
            connection.sendall(SLOW_HEAD + b"a" * size + b"\r\n\r\n")
            return read_http_response(connection)[0]
        except (BrokenPipeError, ConnectionResetError):
            try:
                return read_http_response(connection)[0]
            except ConnectionResetError:
                return 0


def alone_rounds(
    servers: dict[str, LiveServer], spec: dict, arguments: argparse.Namespace
) -> dict[str, dict]:
    """wrk alone against each server, alternating which goes first; medians per server."""
    runs: dict[str, list[LoadResult]] = {name: [] for name in servers}
    names = list(servers)
    for round_number in range(arguments.rounds):
        order = names[round_number % 2 :] + names[: round_number % 2]
        for name in order:
            load = LoadSpec(
                "single", arguments.connections, arguments.seconds, seed=round_number, **spec
            )
            runs[name].append(run_wrk(servers[name].base_url, load))
            print(f"round {round_number + 1}/{arguments.rounds} {name}: "
                  f"{runs[name][-1].requests_per_second:,.0f} req/s", flush=True)  # fmt: skip
    return {
        name: {
            "requests_per_second": statistics.median(r.requests_per_second for r in results),
            "p99_ms": statistics.median(r.p99_ms for r in results),
            "errors": sum(r.non_2xx + r.socket_errors for r in results),
            "rounds": [r.as_dict() for r in results],
        }
        for name, results in runs.items()
    }


def under_attack(server: LiveServer, spec: dict, arguments: argparse.Namespace) -> dict:
    """wrk alone, then under attack, then alone again: the mean of the two runs alone is the
    baseline, so a drift in the machine's load over the run does not read as the attack's."""
    alone = LoadSpec("single", arguments.connections, arguments.seconds, **spec)
    before = run_wrk(server.base_url, alone)
    attack = Slowloris(server.address, arguments.slow_connections, arguments.interval)
    attack.start()
    load = LoadSpec("single", arguments.connections, arguments.attack_seconds, **spec)
    result = run_wrk(server.base_url, load)
    attack.stop()
    after = run_wrk(server.base_url, alone)
    baseline = (before.requests_per_second + after.requests_per_second) / 2
    return {
        "requests_per_second": result.requests_per_second,
        "alone_before_and_after": [before.requests_per_second, after.requests_per_second],
        "vs_alone": round(result.requests_per_second / baseline, 3),
        "p99_ms": result.p99_ms,
        "errors": result.non_2xx + result.socket_errors,
        "wrk": result.as_dict(),
        "slow_connections_opened": attack.opened,
        "slow_connections_closed_by_server": len(attack.lifetimes),
        "slow_connections_open_at_stop": attack.open_at_stop,
        "slow_connect_errors": attack.connect_errors,
        "slow_answers": {str(status): count for status, count in sorted(attack.answers.items())},
        "longest_slow_connection_s": round(max(attack.lifetimes, default=0.0), 2),
    }


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    raise_open_file_limit(4 * arguments.slow_connections + 1024)
    header_timeout = Settings(_env_file=None).header_timeout
    card = ModelCard.read(card_path_for(arguments.model))
    spec = {"max_history": card.max_history, "colleges": tuple(card.group.codes)}
    environment = {"CGPA_MODEL_PATH": str(arguments.model), "CGPA_API_KEY": ""}
    results: dict = {
        "command": "python -m bench.slow_clients " + " ".join(argv or sys.argv[1:]),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(),
        },
        "settings": {**vars(arguments), "model": str(arguments.model)},
        "header_timeout_s": header_timeout,
    }
    began = time.monotonic()
    print("protocol cost in-process ...", flush=True)
    results["protocol_in_process"] = protocol_overhead()
    with (
        LiveServer.start(environment, timeout=60) as limited,
        StockServer.start(environment, timeout=60) as stock,
    ):
        servers = {"with limits": limited, "stock uvicorn": stock}
        for name, server in servers.items():
            print(f"warming up {name}", flush=True)
            run_wrk(server.base_url, LoadSpec("single", arguments.connections, 2, **spec))
        results["alone"] = alone_rounds(servers, spec, arguments)
        results["under_attack"] = {}
        for name, server in servers.items():
            print(f"{name}: {arguments.slow_connections} slow connections, "
                  f"wrk for {arguments.attack_seconds:g} s", flush=True)  # fmt: skip
            results["under_attack"][name] = under_attack(server, spec, arguments)
        results["status_of_a_200_kb_header"] = {
            name: big_header_status(server, 200_000) for name, server in servers.items()
        }
    ours = results["under_attack"]["with limits"]
    results["checks"] = {
        f"keeps {KEEP_FRACTION}x of its requests/s under attack": ours["vs_alone"] >= KEEP_FRACTION,
        "no errors under attack": ours["errors"] == 0,
        "every slow connection closed within the header timeout": (
            ours["slow_connections_closed_by_server"] >= arguments.slow_connections
            and ours["longest_slow_connection_s"] <= header_timeout + CLOSE_SLACK
        ),
        "a 200 KB header gets 431 or a close": (
            results["status_of_a_200_kb_header"]["with limits"] in (431, 0)
        ),
    }
    rates = {name: row["requests_per_second"] for name, row in results["alone"].items()}
    results["cost_of_the_limits"] = round(1 - rates["with limits"] / rates["stock uvicorn"], 4)
    results["seconds"] = round(time.monotonic() - began, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results, arguments))
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0 if all(results["checks"].values()) else 1


def table(results: dict, arguments: argparse.Namespace) -> str:
    lines = [
        f"| server | alone req/s | alone p99 ms | with {arguments.slow_connections} slowloris "
        "req/s | vs alone before/after | p99 ms | errors | slow closed by server "
        "| longest slow s | 200 KB header |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, alone in results["alone"].items():
        row = results["under_attack"][name]
        status = results["status_of_a_200_kb_header"][name]
        closed = row["slow_connections_closed_by_server"]
        longest = f"{row['longest_slow_connection_s']:.1f}" if closed else "never closed"
        lines.append(
            f"| {name} | {alone['requests_per_second']:,.0f} | {alone['p99_ms']:.1f} "
            f"| {row['requests_per_second']:,.0f} | {row['vs_alone']:.2f}x | {row['p99_ms']:.1f} "
            f"| {row['errors']} "
            f"| {row['slow_connections_closed_by_server']} of {row['slow_connections_opened']} "
            f"| {longest} | {status or 'closed'} |"
        )
    micro = results["protocol_in_process"]
    per_request = micro["microseconds_per_request"]
    lines += [
        "",
        f"alone: medians of {arguments.rounds} interleaved wrk rounds of {arguments.seconds:g} s; "
        f"under attack: {arguments.attack_seconds:g} s, against the mean of a run alone just "
        "before and after",
        f"cost of the limits, wrk alone: {results['cost_of_the_limits']:.1%} of req/s",
        f"cost of the limits, in-process: {micro['added_microseconds']:+.2f} us per request "
        f"({per_request['stock uvicorn']:.2f} -> {per_request['with limits']:.2f} us through "
        "the protocol with an app that answers at once)",
    ]
    lines += [f"{'PASS' if ok else 'FAIL'}  {check}" for check, ok in results["checks"].items()]
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.slow_clients", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds alone")
    parser.add_argument("--seconds", type=float, default=5, help="length of each round")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections")
    parser.add_argument("--slow-connections", type=int, default=400)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between bytes")
    parser.add_argument(
        "--attack-seconds", type=float, default=14, help="wrk under attack (past one timeout)"
    )
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "cgpa_rnn.pt")
    return parser


if __name__ == "__main__":
    sys.exit(main())
