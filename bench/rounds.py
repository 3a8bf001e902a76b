"""Runs wrk against several servers in interleaved rounds, and takes medians."""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Mapping
from pathlib import Path

from bench.load import LUA_SCRIPT, LoadResult, LoadSpec, run_wrk
from bench.servers import StartedServer

BATCH_CONNECTIONS = 2


def interleaved_rounds(
    servers: dict[str, StartedServer],
    arguments: argparse.Namespace,
    spec: dict,
    *,
    scripts: Mapping[str, Path] | None = None,
) -> dict:
    """{server: {connections: {"rounds": [...], "median": {...}}}}; the order of the servers
    rotates each round so none is always measured first. `scripts` names another wrk script
    (body shape and route) for some servers; the others post to /predict. Two names may share
    one server, to drive two of its routes."""
    names = list(servers)
    runs: dict[str, dict[int, list[LoadResult]]] = {
        name: {connections: [] for connections in arguments.connections} for name in names
    }
    for round_number in range(arguments.rounds):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        for connections in arguments.connections:
            for name in order:
                script = (scripts or {}).get(name, LUA_SCRIPT)
                load = LoadSpec(
                    "single", connections, arguments.seconds, seed=round_number + 1,
                    script=script, **spec,
                )  # fmt: skip
                result = run_wrk(servers[name].server.base_url, load)
                runs[name][connections].append(result)
                print(
                    f"round {round_number + 1}/{arguments.rounds}  c={connections:<3} "
                    f"{name:<28} {result.requests_per_second:>9.1f} req/s  "
                    f"p99 {result.p99_ms:.2f} ms  non-2xx {result.non_2xx}  "
                    f"socket errors {result.socket_errors}",
                    flush=True,
                )
    return {
        name: {
            str(connections): {
                "rounds": [result.as_dict() for result in results],
                "median": median_of(results),
            }
            for connections, results in by_connections.items()
        }
        for name, by_connections in runs.items()
    }


def median_of(results: list[LoadResult]) -> dict:
    return {
        "requests_per_second": round(statistics.median(r.requests_per_second for r in results), 1),
        "p50_ms": round(statistics.median(r.p50_ms for r in results), 3),
        "p99_ms": round(statistics.median(r.p99_ms for r in results), 3),
        # Errors are summed, not medianed: a single failed request in any round counts.
        "non_2xx": sum(r.non_2xx for r in results),
        "socket_errors": sum(r.socket_errors for r in results),
        "requests": sum(r.requests for r in results),
    }


def batch_rounds(server: StartedServer, arguments: argparse.Namespace, spec: dict) -> dict:
    per_request = 1000
    seconds = max(arguments.seconds / 2, 1.0)
    results = []
    for round_number in range(arguments.rounds):
        load = LoadSpec(
            "batch", BATCH_CONNECTIONS, seconds, students_per_batch=per_request,
            seed=round_number + 1, **spec,
        )  # fmt: skip
        result = run_wrk(server.server.base_url, load)
        results.append(result)
        print(
            f"batch round {round_number + 1}: {result.requests_per_second * per_request:,.0f} "
            f"predictions/s",
            flush=True,
        )
    median = median_of(results)
    return {
        "students_per_request": per_request,
        "connections": BATCH_CONNECTIONS,
        "rounds": [result.as_dict() for result in results],
        "median": median,
        "predictions_per_second": round(median["requests_per_second"] * per_request),
    }
