"""`python -m bench.reload`: swap models under load, and show nobody notices.

A real service (`python -m app`, CGPA_ADMIN_KEY set, its model in a scratch folder) takes
wrk's randomised `POST /predict` load at 32 connections for 15 s while this script swaps
two valid checkpoints in turn (files replaced atomically, then `POST /admin/reload`) every
1-2 s, and once puts a damaged checkpoint in place, which must be refused while the load
goes on. It passes when wrk saw no non-2xx answer and no socket error, the answers switched
`model_version`, and the damaged checkpoint got a 409. Writes bench/results/reload.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from app.model.card import ModelCard
from app.model.files import write_atomically
from app.model.predictor import card_path_for
from bench.load import LoadSpec, run_wrk
from harness.checkpoints import copy_checkpoint, damage_checkpoint, derived_checkpoint
from harness.live_server import ROOT, LiveServer

ADMIN_KEY = "bench-admin-key-0123456789"
RESULTS = ROOT / "bench" / "results" / "reload.json"


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    source = arguments.model
    card = ModelCard.read(card_path_for(source))
    with tempfile.TemporaryDirectory(prefix="cgpa-reload-") as scratch:
        folder = Path(scratch)
        variants = [folder / "a" / source.name, folder / "b" / source.name]
        versions = [derived_checkpoint(source, path, nudge) for path, nudge in zip(
            variants, (0.03, -0.03), strict=True
        )]  # fmt: skip
        serving = folder / "serving" / source.name
        copy_checkpoint(variants[0], serving)
        environment = {"CGPA_MODEL_PATH": str(serving), "CGPA_ADMIN_KEY": ADMIN_KEY}
        with LiveServer.start(environment, timeout=60) as server:
            swaps: list[dict] = []
            load: dict = {}
            spec = LoadSpec(
                "single", arguments.connections, arguments.seconds,
                max_history=card.max_history, colleges=tuple(card.group.codes),
            )  # fmt: skip
            runner = threading.Thread(
                target=lambda: load.update(run_wrk(server.base_url, spec).as_dict())
            )
            runner.start()
            _swap_while(runner, server, variants, serving, swaps, arguments.seed)
            runner.join()
            seen = _versions_seen(server)
    result = {
        "command": " ".join(["python -m bench.reload", *(argv or sys.argv[1:])]),
        "connections": arguments.connections,
        "seconds": arguments.seconds,
        "versions": versions,
        "swaps": swaps,
        "load": load,
        "versions_answered_after": seen,
    }
    checks = {
        "no non-2xx answers": load.get("non_2xx", 1) == 0,
        "no socket errors": load.get("socket_errors", 1) == 0,
        "every valid swap loaded": all(s["status"] == 200 for s in swaps if not s["damaged"]),
        "the damaged checkpoint was refused": any(
            s["damaged"] and s["status"] == 409 for s in swaps
        ),
        "answers switched model_version": len({s.get("serving") for s in swaps} - {None}) >= 2,
    }
    result["checks"] = checks
    write_atomically(arguments.out, (json.dumps(result, indent=2) + "\n").encode())
    print(f"{load.get('requests_per_second', 0):,.0f} requests/s at {arguments.connections} "
          f"connections, p99 {load.get('p99_ms', 0):.2f} ms; {len(swaps)} swaps")  # fmt: skip
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


def _swap_while(
    runner: threading.Thread,
    server: LiveServer,
    variants: list[Path],
    serving: Path,
    swaps: list[dict],
    seed: int,
) -> None:
    rng = random.Random(seed)
    time.sleep(1.0)  # let the load settle first
    damaged_at = 3
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        while runner.is_alive():
            damaged = len(swaps) == damaged_at
            copy_checkpoint(variants[len(swaps) % 2], serving)
            if damaged:
                damage_checkpoint(serving)
            started = time.perf_counter()
            answer = http.post("/admin/reload", headers={"X-Admin-Key": ADMIN_KEY})
            body = answer.json()
            swaps.append(
                {
                    "damaged": damaged,
                    "status": answer.status_code,
                    "seconds": round(time.perf_counter() - started, 3),
                    "serving": (body.get("serving") or {}).get("model_version"),
                    "message": body.get("message"),
                }
            )
            time.sleep(rng.uniform(1.0, 2.0))


def _versions_seen(server: LiveServer) -> list[str]:
    with httpx.Client(base_url=server.base_url) as http:
        answers = [http.post("/predict", json={"grades": [7.0, 7.5]}) for _ in range(5)]
    return sorted({answer.json()["model_version"] for answer in answers})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.reload", description=__doc__)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "cgpa_rnn.pt")
    parser.add_argument("--out", type=Path, default=RESULTS)
    return parser


if __name__ == "__main__":
    sys.exit(main())
