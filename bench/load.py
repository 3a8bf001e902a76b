"""Drives a server with wrk and the history-posting Lua script; returns wrk's own figures."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

LUA_SCRIPT = Path(__file__).with_name("post_histories.lua")
# One wrk thread: on a 2-core machine a second one only takes CPU from the server under test;
# a single thread drives 64 connections to a Python server with room to spare.
WRK_THREADS = 1
MARKER = "WRK_JSON "


@dataclass(frozen=True)
class LoadSpec:
    mode: str  # "single" (POST /predict) or "batch" (POST /predict/batch)
    connections: int
    seconds: float
    max_history: int
    colleges: tuple[int, ...]
    students_per_batch: int = 1000
    seed: int = 1
    # Another body shape (bench/post_oip.lua, bench/post_instances.lua: the same histories).
    script: Path = LUA_SCRIPT


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int

    def as_dict(self) -> dict:
        return asdict(self)


def run_wrk(base_url: str, spec: LoadSpec) -> LoadResult:
    return parse_wrk(wrk_output(base_url, spec))


def wrk_output(base_url: str, spec: LoadSpec) -> str:
    """wrk's standard output for one run of `spec`; an error when wrk failed."""
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{spec.connections}",
        f"-d{max(1, round(spec.seconds))}s",  # wrk takes whole seconds
        "--timeout", "10s",
        "-s", str(spec.script),
        base_url,
        "--",
        spec.mode,
        str(spec.students_per_batch),
        str(spec.max_history),
        ",".join(str(code) for code in spec.colleges),
        str(spec.seed),
    ]  # fmt: skip
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=spec.seconds + 60, check=False
    )
    if finished.returncode != 0 or MARKER not in finished.stdout:
        raise RuntimeError(
            f"wrk failed ({finished.returncode}):\n{finished.stdout}\n{finished.stderr}"
        )
    return finished.stdout


def marked_line(output: str, marker: str) -> dict:
    """The JSON a wrk script printed after `marker` (the last such line)."""
    lines = [line for line in output.splitlines() if line.startswith(marker)]
    return json.loads(lines[-1][len(marker) :])


def parse_wrk(output: str) -> LoadResult:
    figures = marked_line(output, MARKER)
    seconds = figures["duration_us"] / 1e6
    return LoadResult(
        requests=figures["requests"],
        seconds=round(seconds, 3),
        requests_per_second=round(figures["requests"] / seconds, 1),
        p50_ms=figures["latency_p50_us"] / 1000,
        p99_ms=figures["latency_p99_us"] / 1000,
        max_ms=figures["latency_max_us"] / 1000,
        # wrk counts every answer with a status of 400 or more; nothing here redirects.
        non_2xx=figures["status_errors"],
        socket_errors=sum(
            figures[name]
            for name in ("connect_errors", "read_errors", "write_errors", "timeout_errors")
        ),
    )


def add_round_arguments(parser: argparse.ArgumentParser, root: Path) -> None:
    """The options every interleaved comparison of servers takes (bench.compare,
    bench.http_layer)."""
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--model", type=Path, default=root / "models" / "cgpa_rnn.pt")
    parser.add_argument("--out", type=Path, default=root / "bench" / "results")


def machine(load_at_start: tuple[float, float, float]) -> dict:
    """What every results file says of the machine it was measured on."""
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return {
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(value, 2) for value in load_at_start],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "wrk": (wrk.stdout + wrk.stderr).splitlines()[0].strip(),
    }
