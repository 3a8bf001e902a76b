"""`make bench-peers`: the service against LitServe and KServe, in one run, on this machine.

Six processes serve side by side: the bare FastAPI app (the limit of the stack), the service
as shipped, with CGPA_LOG_LEVEL=warning and with 2 workers, LitServe and KServe, each peer
from its own virtualenv under .peers/ (bench/peers/install.sh makes them). Eight targets
(a server and a route) are driven by wrk in interleaved rounds with the same randomised
histories, as `python -m bench` drives its three; then each target gets the adversarial
basics. Results go to bench/results/peers.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psutil

from bench.load import LUA_SCRIPT, LoadSpec, machine, run_wrk
from bench.peers import adversarial
from bench.peers.launchers import KServeServer, LitServeServer, TwoWorkerService, peer_python
from bench.peers.report import evaluate_targets, markdown
from bench.rounds import interleaved_rounds
from bench.servers import BareServer, StartedServer, started_launcher
from harness.live_server import ROOT, LiveServer

RESULTS = ROOT / "bench" / "results"
OIP = ROOT / "bench" / "post_oip.lua"
INSTANCES = ROOT / "bench" / "post_instances.lua"
# Server -> (launcher, extra environment). "ours" runs exactly as shipped (INFO is the default).
SERVERS = {
    "bare": (BareServer, {}),
    "ours": (LiveServer, {"CGPA_LOG_LEVEL": "info"}),
    "ours, log level warning": (LiveServer, {"CGPA_LOG_LEVEL": "warning"}),
    "ours, 2 workers": (TwoWorkerService, {"CGPA_LOG_LEVEL": "info", "WEB_CONCURRENCY": "2"}),
    "LitServe": (LitServeServer, {}),
    "KServe": (KServeServer, {}),
}
# Target -> (server, wrk script, body shape for the adversarial basics).
TARGETS = {
    "bare": ("bare", LUA_SCRIPT, "predict"),
    "ours": ("ours", LUA_SCRIPT, "predict"),
    "ours, log level warning": ("ours, log level warning", LUA_SCRIPT, "predict"),
    "ours, OIP v2": ("ours", OIP, "oip"),
    "ours, 2 workers": ("ours, 2 workers", LUA_SCRIPT, "predict"),
    "LitServe": ("LitServe", LUA_SCRIPT, "predict"),
    "KServe v1": ("KServe", INSTANCES, "instances"),
    "KServe v2": ("KServe", OIP, "oip"),
}


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    arguments = _parser().parse_args(given)
    for peer in ("litserve", "kserve"):
        if not (ROOT / ".peers" / peer / ".installed").exists():
            sys.exit(f".peers/{peer} is missing: run `make bench-peers` (bench/peers/install.sh)")
    load_at_start = os.getloadavg()
    card = json.loads(arguments.model.with_suffix(".json").read_text())
    spec = {"max_history": card["max_history"], "colleges": tuple(card["group"]["codes"])}
    environment = {"CGPA_MODEL_PATH": str(arguments.model), "CGPA_API_KEY": ""}
    results: dict = {
        "command": " ".join(["python -m bench.peers", *map(shlex.quote, given)]),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(load_at_start),
        "versions": _versions(),
        "settings": {
            "rounds": arguments.rounds,
            "seconds_per_run": arguments.seconds,
            "warmup_seconds": arguments.warmup,
            "connections": arguments.connections,
            "model": str(arguments.model),
            "model_version": card["model_version"],
        },
        "routes": {name: adversarial.PATHS[shape] for name, (_, _, shape) in TARGETS.items()},
    }
    began = time.perf_counter()
    with ExitStack() as stack:
        servers: dict[str, StartedServer] = {}
        for name, (launcher, extra) in SERVERS.items():
            print(f"starting {name} ...", flush=True)
            started = started_launcher(launcher, {**environment, **extra})
            servers[name] = stack.enter_context(started)
        targets = {name: servers[server] for name, (server, _, _) in TARGETS.items()}
        scripts = {name: script for name, (_, script, _) in TARGETS.items()}
        for name, target in targets.items():
            print(f"warming up {name} for {arguments.warmup:g} s", flush=True)
            share = arguments.warmup / len(arguments.connections)
            for connections in arguments.connections:
                load = LoadSpec("single", connections, share, script=scripts[name], **spec)
                run_wrk(target.server.base_url, load)
        results["http"] = interleaved_rounds(targets, arguments, spec, scripts=scripts)
        # Before the adversarial basics, whose 10 MB bodies would count in the peak.
        results["servers"] = {name: _process_figures(s) for name, s in servers.items()}
        print("adversarial basics ...", flush=True)
        results["adversarial"] = {
            name: adversarial.probe(targets[name].server.address, shape)
            for name, (_, _, shape) in TARGETS.items()
        }
    results["bench_seconds"] = round(time.perf_counter() - began, 1)
    results["targets"] = evaluate_targets(results)
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "peers.json").write_text(json.dumps(results, indent=2) + "\n")
    (arguments.out / "peers.md").write_text(markdown(results))
    print(markdown(results))
    print(f"wrote {arguments.out / 'peers.json'} and {arguments.out / 'peers.md'}", flush=True)
    return 0


def _process_figures(started: StartedServer) -> dict:
    process = psutil.Process(started.server.process.pid)
    return {
        "processes": 1 + len(process.children(recursive=True)),
        "seconds_to_ready": round(started.seconds_to_ready, 2),
        "cpu_seconds_to_ready": round(started.cpu_seconds_to_ready, 2),
        "peak_mib": round(started.memory.peak_bytes / 2**20, 1),
        "end_mib": round(started.memory.rss_now() / 2**20, 1),
    }


def _versions() -> dict:
    """Each stack's own packages, read from its own virtualenv."""
    ours = {name: metadata.version(name) for name in ("torch", "fastapi", "uvicorn")}
    versions = {"ours": {"server": f"cgpa-predictor {metadata.version('cgpa-predictor')}", **ours}}
    for peer, package in (("LitServe", "litserve"), ("KServe", "kserve")):
        names = [package, "torch", "fastapi", "uvicorn"]
        script = f"import importlib.metadata as m; print(*[m.version(n) for n in {names!r}])"
        found = subprocess.run(
            [str(peer_python(package)), "-c", script], capture_output=True, text=True, check=True
        ).stdout.split()
        versions[peer] = {
            "server": f"{package} {found[0]}",
            **dict(zip(names[1:], found[1:], strict=True)),
        }
    return versions


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.peers", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10, help="length of each wrk run")
    parser.add_argument("--warmup", type=float, default=10, help="warm-up seconds per target")
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "cgpa_rnn.pt")
    parser.add_argument("--out", type=Path, default=RESULTS)
    return parser


if __name__ == "__main__":
    sys.exit(main())
