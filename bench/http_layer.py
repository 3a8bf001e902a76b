"""`python -m bench.http_layer --baseline REV`: the HTTP layer of this tree against the one of
an earlier commit, both as shipped (`python -m app`), beside the bare app, in the interleaved
rounds of `python -m bench`. The commit's tree is extracted with `git archive` into a
temporary directory and run from there, so both layers are measured in one run, on one load.
Writes bench/results/http_layer.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from app.model.card import ModelCard
from app.model.predictor import card_path_for
from bench.compare import markdown
from bench.load import LoadSpec, add_round_arguments, run_wrk
from bench.rounds import interleaved_rounds
from bench.servers import StartedServer, started, started_launcher
from harness.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[1]


class ServiceAtCommit(LiveServer):
    """`python -m app` from another tree: `-P` keeps this tree (the working directory) off
    the import path, PYTHONPATH (set by `environment`) puts that tree on it."""

    @classmethod
    def command(cls, port: int, workers: int = 1) -> list[str]:
        return [sys.executable, "-P", *LiveServer.command(port, workers)[1:]]


def extract(
    revision: str, into: Path, folders: tuple[str, ...] = ("app", "bench", "harness")
) -> None:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, *folders],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    load_at_start = [round(value, 2) for value in os.getloadavg()]
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    card = ModelCard.read(card_path_for(arguments.model))
    spec = {"max_history": card.max_history, "colleges": tuple(card.group.codes)}
    environment = {
        "CGPA_MODEL_PATH": str(arguments.model.resolve()),
        "CGPA_API_KEY": "",
        "CGPA_LOG_LEVEL": "info",
    }
    baseline_name = f"service at {arguments.baseline}"
    with ExitStack() as stack:
        tree = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cgpa-baseline-")))
        extract(arguments.baseline, tree)
        servers: dict[str, StartedServer] = {"bare": stack.enter_context(started("bare", {}))}
        servers["service (this tree)"] = stack.enter_context(started("service", environment))
        servers[baseline_name] = stack.enter_context(
            started_launcher(ServiceAtCommit, {**environment, "PYTHONPATH": str(tree)})
        )
        for server in servers.values():
            for connections in arguments.connections:
                run_wrk(server.server.base_url, LoadSpec("single", connections, 2, **spec))
        http = interleaved_rounds(servers, arguments, spec)
    results = {
        "command": " ".join(["python -m bench.http_layer", *(argv or sys.argv[1:])]),
        "started_at": started_at,
        "load_average_at_start": load_at_start,
        "load_average_at_end": [round(value, 2) for value in os.getloadavg()],
        "rounds": arguments.rounds,
        "seconds_per_run": arguments.seconds,
        "http": http,
        "batch": {},
    }
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "http_layer.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results, arguments.connections).replace(
        "# What each speed-up is worth", "# The HTTP layer against an earlier commit's"
    )
    (arguments.out / "http_layer.md").write_text(table)
    print(table)
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.http_layer", description=__doc__)
    parser.add_argument("--baseline", required=True, help="a commit, as git names it")
    add_round_arguments(parser, ROOT)
    return parser


if __name__ == "__main__":
    sys.exit(main())
