"""The issue's targets computed from a `make bench-peers` run, and the run as markdown."""

from __future__ import annotations

import statistics

from bench.peers.adversarial import CASE_NAMES

BARE = "bare"
# Issue #18's goals; every measured figure below comes from the run itself.
GOALS = [
    # (what, numerator target, denominator target, figure, ">=" or "<=", goal)
    ("ours vs LitServe, POST /predict, requests/s", "ours", "LitServe", "rps", ">=", 4.0),
    ("ours vs KServe, POST /predict vs its v1 :predict, requests/s", "ours", "KServe v1",
     "rps", ">=", 4.0),
    ("ours vs KServe, both over OIP v2, requests/s", "ours, OIP v2", "KServe v2", "rps", ">=",
     3.0),
    ("our OIP v2 route vs bare, requests/s", "ours, OIP v2", BARE, "rps", ">=", 0.6),
    ("our OIP v2 route vs bare, p99", "ours, OIP v2", BARE, "p99", "<=", 2.0),
    ("default config (INFO access log) vs CGPA_LOG_LEVEL=warning, requests/s", "ours",
     "ours, log level warning", "rps", ">=", 0.9),
    ("2 workers (WEB_CONCURRENCY=2) vs 1, requests/s", "ours, 2 workers", "ours", "rps",
     None, None),
]  # fmt: skip
FIGURE = {"rps": "requests_per_second", "p99": "p99_ms"}


def round_ratio(http: dict, mine: str, other: str, connections: str, figure: str) -> float:
    """The median over rounds of mine/other, each round's pair measured minutes apart at most,
    so a change in the machine's load between rounds cancels out."""
    key = FIGURE[figure]
    pairs = zip(http[mine][connections]["rounds"], http[other][connections]["rounds"], strict=True)
    return round(statistics.median(a[key] / b[key] for a, b in pairs), 3)


def evaluate_targets(results: dict) -> list[dict]:
    http, targets = results["http"], []
    for what, mine, other, figure, sense, goal in GOALS:
        for connections in http[mine]:
            ratio = round_ratio(http, mine, other, connections, figure)
            met = None if goal is None else (ratio >= goal if sense == ">=" else ratio <= goal)
            targets.append({
                "target": f"{what}, {connections} connections",
                "goal": "reported (no goal)" if goal is None else f"{sense} {goal:g}x",
                "measured": f"{ratio:.2f}x",
                "met": met,
            })  # fmt: skip
    failures = sum(
        figures["median"]["non_2xx"] + figures["median"]["socket_errors"]
        for name, by_connections in http.items()
        if name.startswith("ours")
        for figures in by_connections.values()
    )
    targets.append({
        "target": "our non-2xx answers and socket errors under load, all runs",
        "goal": "0", "measured": str(failures), "met": failures == 0,
    })  # fmt: skip
    return targets


def markdown(results: dict) -> str:
    machine, settings = results["machine"], results["settings"]
    load = " / ".join(f"{value:.2f}" for value in machine["load_average_at_start"])
    lines = [
        "# Performance against real peers (issue #18)",
        "",
        f"Made by `make bench-peers` (`{results['command']}`) at {results['started_at']}, "
        f"model {settings['model_version']}; {machine['cpus']} CPUs, load average at start "
        f"{load} (1/5/15 min); Python {machine['python']}, {machine['wrk']}.",
        f"wrk (1 thread) posts the same randomised valid histories to every server, shaped for "
        f"its route, for {settings['seconds_per_run']:g} s a run after a "
        f"{settings['warmup_seconds']:g} s warm-up per target; {settings['rounds']} rounds, "
        "targets interleaved (the order rotates each round); medians shown, errors summed; "
        "ratios are the median over rounds of the ratio within a round. Peers' settings: "
        "bench/peers/README.md.",
        "",
        "## Versions",
        "",
        "| stack | server | torch | fastapi | uvicorn |",
        "|---|---|---|---|---|",
    ]
    for stack, versions in results["versions"].items():
        lines.append(
            f"| {stack} | {versions['server']} | {versions['torch']} | {versions['fastapi']} "
            f"| {versions['uvicorn']} |"
        )
    lines += [
        "",
        "## Load",
        "",
        "| target | route | connections | requests/s | p50 ms | p99 ms | non-2xx "
        "| socket errors | requests/s vs bare | p99 vs bare |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, by_connections in results["http"].items():
        for connections, figures in by_connections.items():
            median = figures["median"]
            rps = round_ratio(results["http"], name, BARE, connections, "rps")
            p99 = round_ratio(results["http"], name, BARE, connections, "p99")
            lines.append(
                f"| {name} | `{results['routes'][name]}` | {connections} "
                f"| {median['requests_per_second']:,.0f} | {median['p50_ms']:.2f} "
                f"| {median['p99_ms']:.2f} | {median['non_2xx']} | {median['socket_errors']} "
                f"| {rps:.2f}x | {p99:.2f}x |"
            )
    lines += [
        "",
        "## Processes",
        "",
        "| server | processes | start to ready: wall / CPU s | resident memory, whole tree: "
        "peak / at end MiB |",
        "|---|---:|---:|---:|",
    ]
    for name, server in results["servers"].items():
        lines.append(
            f"| {name} | {server['processes']} | {server['seconds_to_ready']:.2f} / "
            f"{server['cpu_seconds_to_ready']:.2f} | {server['peak_mib']:.0f} / "
            f"{server['end_mib']:.0f} |"
        )
    lines += [
        "",
        "## Adversarial basics: HTTP status of each answer",
        "",
        '"closed": the connection dropped without an answer. The same bad value in each '
        "route's own body shape.",
        "",
        "| target | " + " | ".join(CASE_NAMES) + " |",
        "|---|" + "---:|" * len(CASE_NAMES),
    ]
    for name, statuses in results["adversarial"].items():
        lines.append(f"| {name} | " + " | ".join(str(statuses[c]) for c in CASE_NAMES) + " |")
    lines += ["", "## Targets", "", "| target | goal | measured | met |", "|---|---|---:|---|"]
    for target in results["targets"]:
        met = {True: "yes", False: "NO", None: "—"}[target["met"]]
        lines.append(f"| {target['target']} | {target['goal']} | {target['measured']} | {met} |")
    lines += ["", f"Whole run: {results['bench_seconds']:.0f} s.", ""]
    return "\n".join(lines)
