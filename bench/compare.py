"""`python -m bench.compare`: what each speed-up is worth. The bare app, the service as
shipped and the service with one speed-up taken away each (`bench.variants`), in interleaved
rounds like `python -m bench`, at INFO log level as shipped.
Writes bench/results/variants.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from app.model.card import ModelCard
from app.model.predictor import card_path_for
from bench.load import LoadSpec, add_round_arguments, run_wrk
from bench.rounds import batch_rounds, interleaved_rounds
from bench.servers import StartedServer, started
from bench.variants import VARIANTS

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    load_at_start = [round(value, 2) for value in os.getloadavg()]
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    card = ModelCard.read(card_path_for(arguments.model))
    spec = {"max_history": card.max_history, "colleges": tuple(card.group.codes)}
    environment = {
        "CGPA_MODEL_PATH": str(arguments.model),
        "CGPA_API_KEY": "",
        "CGPA_LOG_LEVEL": "info",
    }
    with ExitStack() as stack:
        servers: dict[str, StartedServer] = {"bare": stack.enter_context(started("bare", {}))}
        for name, factory in VARIANTS.items():
            print(f"starting {name} ...", flush=True)
            servers[name] = stack.enter_context(started(factory, environment))
        for server in servers.values():
            for connections in arguments.connections:
                run_wrk(server.server.base_url, LoadSpec("single", connections, 2, **spec))
        http = interleaved_rounds(servers, arguments, spec)
        batch = {
            name: batch_rounds(server, arguments, spec)
            for name, server in servers.items()
            if name != "bare"
        }
    results = {
        "command": " ".join(["python -m bench.compare", *(argv or sys.argv[1:])]),
        "started_at": started_at,
        "load_average_at_start": load_at_start,
        "rounds": arguments.rounds,
        "seconds_per_run": arguments.seconds,
        "http": http,
        "batch": batch,
    }
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "variants.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results, arguments.connections)
    (arguments.out / "variants.md").write_text(table)
    print(table)
    return 0


def markdown(results: dict, connections: list[int]) -> str:
    http = results["http"]
    header = " | ".join(f"c={count} req/s (vs bare) | c={count} p99 ms" for count in connections)
    lines = [
        "# What each speed-up is worth",
        "",
        f"Made by `{results['command']}` at {results['started_at']}; load average at start "
        f"{' / '.join(map(str, results['load_average_at_start']))}. Medians of "
        f"{results['rounds']} interleaved rounds of {results['seconds_per_run']:g} s.",
        "",
        f"| server | {header} | batch predictions/s |",
        "|---|" + "---:|---:|" * len(connections) + "---:|",
    ]
    for name, by_connections in http.items():
        cells = []
        for count in connections:
            mine = by_connections[str(count)]["median"]
            bare = http["bare"][str(count)]["median"]
            ratio = mine["requests_per_second"] / bare["requests_per_second"]
            cells.append(
                f"{mine['requests_per_second']:,.0f} ({ratio:.2f}x) | {mine['p99_ms']:.1f}"
            )
        batch = results["batch"].get(name)
        batch_cell = f"{batch['predictions_per_second']:,}" if batch else "-"
        lines.append(f"| {name} | {' | '.join(cells)} | {batch_cell} |")
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    add_round_arguments(parser, ROOT)
    return parser


if __name__ == "__main__":
    sys.exit(main())
