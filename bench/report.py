"""The issue's targets checked against a run's figures, and the run as a markdown page."""

from __future__ import annotations

from collections.abc import Callable

# From the performance issue: figures of a benchmark run, not timed tests.
MIN_RPS_RATIO = 0.75
MAX_P99_RATIO = 2.0
MIN_BATCH_PREDICTIONS_PER_SECOND = 100_000
MAX_START_TO_READY_SECONDS = 5.0
MAX_RESIDENT_MIB = 300.0
# Issue #16: risk + explanation cost at most 3x a plain request's p99, and a 1000-student
# batch with both options is answered in under 100 ms.
MAX_ADVICE_P99_RATIO = 3.0
MAX_ADVICE_BATCH_MS = 100.0
ADVICE = "service, risk_below + explain"
# Issue #27 part 2: a 1000-student batch asking for path + final_below at most 3x a plain one.
MAX_PATH_BATCH_RATIO = 3.0
# Issue #25: 64 connections of 1000-student risk + explain batches for 12 s.
MAX_HEAVY_RSS_MIB = 400.0
MAX_HEAVY_PROBE_MS = 1000.0
MIN_HEAVY_THROUGHPUT_RATIO = 0.9

SERVICE = "service"
BARE = "bare"


def ratios(results: dict, server: str) -> dict[str, dict[str, float]]:
    """{connections: {"rps": server/bare, "p99": server/bare}} from the medians."""
    out = {}
    for connections, figures in results["http"][server].items():
        mine, bare = figures["median"], results["http"][BARE][connections]["median"]
        out[connections] = {
            "rps": round(mine["requests_per_second"] / bare["requests_per_second"], 3),
            "p99": round(mine["p99_ms"] / bare["p99_ms"], 3),
        }
    return out


def evaluate_targets(results: dict) -> list[dict]:
    targets = []

    def add(name: str, goal: str, measured: str, met: bool) -> None:
        targets.append({"target": name, "goal": goal, "measured": measured, "met": met})

    for connections, ratio in ratios(results, SERVICE).items():
        add(
            f"POST /predict requests/s vs bare, {connections} connections",
            f">= {MIN_RPS_RATIO}x",
            f"{ratio['rps']:.2f}x",
            ratio["rps"] >= MIN_RPS_RATIO,
        )
        add(
            f"POST /predict p99 vs bare, {connections} connections",
            f"<= {MAX_P99_RATIO}x",
            f"{ratio['p99']:.2f}x",
            ratio["p99"] <= MAX_P99_RATIO,
        )
    if ADVICE in results["http"]:
        for connections, figures in results["http"][ADVICE].items():
            plain = results["http"][SERVICE][connections]["median"]["p99_ms"]
            ratio = figures["median"]["p99_ms"] / plain
            add(
                f"POST /predict with risk_below + explain, p99 vs plain, {connections} connections",
                f"<= {MAX_ADVICE_P99_RATIO:g}x",
                f"{ratio:.2f}x",
                ratio <= MAX_ADVICE_P99_RATIO,
            )
    if "advice_batch" in results:
        median = results["advice_batch"]["median_ms"]
        add(
            "1000-student batch with risk_below + explain: median latency",
            f"< {MAX_ADVICE_BATCH_MS:g} ms",
            f"{median:.1f} ms",
            median < MAX_ADVICE_BATCH_MS,
        )
    if "path_batch" in results:
        path = results["path_batch"]
        medians = f"{path['path_median_ms']:.1f} ms vs {path['plain_median_ms']:.1f} ms"
        add(
            "1000-student batch with path + final_below: median latency vs plain",
            f"<= {MAX_PATH_BATCH_RATIO:g}x",
            f"{path['ratio']:.2f}x ({medians})",
            path["ratio"] <= MAX_PATH_BATCH_RATIO,
        )
    batch = results["batch"]["predictions_per_second"]
    add(
        "Batch predictions/s (1000 students a request)",
        f">= {MIN_BATCH_PREDICTIONS_PER_SECOND:,}",
        f"{batch:,}",
        batch >= MIN_BATCH_PREDICTIONS_PER_SECOND,
    )
    ready = results["start_to_ready"]["service_median_seconds"]
    cpu = results["start_to_ready"]["service_median_cpu_seconds"]
    add(
        "Start to /health/ready 200 (wall time; CPU time in brackets)",
        f"<= {MAX_START_TO_READY_SECONDS:g} s",
        f"{ready:.2f} s ({cpu:.2f} s)",
        ready <= MAX_START_TO_READY_SECONDS,
    )
    peak = results["memory"][SERVICE]["peak_mib"]
    add(
        "Resident memory of the service (peak)",
        f"<= {MAX_RESIDENT_MIB:g} MiB",
        f"{peak:.0f} MiB",
        peak <= MAX_RESIDENT_MIB,
    )
    if "heavy_load" in results:
        _heavy_targets(results["heavy_load"], add)
    failures = sum(
        figures["median"]["non_2xx"] + figures["median"]["socket_errors"]
        for by_connections in results["http"].values()
        for figures in by_connections.values()
    ) + (results["batch"]["median"]["non_2xx"] + results["batch"]["median"]["socket_errors"])
    add("Non-2xx answers and socket errors, all runs", "0", str(failures), failures == 0)
    return targets


def _heavy_targets(heavy: dict, add: Callable[[str, str, str, bool], None]) -> None:
    shipped = heavy["as_shipped"]
    add(
        "Heavy load: peak resident memory",
        f"<= {MAX_HEAVY_RSS_MIB:g} MiB",
        f"{shipped['peak_rss_mib']:.0f} MiB ({shipped.get('peak_anonymous_mib', 0):.0f} anonymous)",
        shipped["peak_rss_mib"] <= MAX_HEAVY_RSS_MIB,
    )
    probes = shipped["probes"]
    add(
        "Heavy load: every health probe 200, worst latency",
        f"<= {MAX_HEAVY_PROBE_MS:g} ms",
        f"{probes['worst_ms']:.0f} ms, {probes['not_200']} not 200",
        probes["worst_ms"] <= MAX_HEAVY_PROBE_MS and probes["not_200"] == 0,
    )
    answers = shipped["answers"]
    wrong = answers["other"] + answers["refused_without_retry"] + shipped["socket_errors"]
    add(
        "Heavy load: batches answered other than 200 or 503 + Retry-After",
        "0",
        str(wrong),
        wrong == 0,
    )
    add(
        f"Heavy load: admitted predictions/s vs the service at {heavy['baseline']} (same run)",
        f">= {MIN_HEAVY_THROUGHPUT_RATIO:g}x",
        f"{heavy['throughput_ratio']:.2f}x",
        heavy["throughput_ratio"] >= MIN_HEAVY_THROUGHPUT_RATIO,
    )


def heavy_lines(heavy: dict) -> list[str]:
    lines = [
        "",
        "## Heavy load: 64 connections of 1000-student batches, each student with risk_below "
        "+ explain",
        "",
        "| server | peak RSS MiB | probe p99 / worst ms | probes not 200 | 200s | 503s "
        "| share of 503 | admitted predictions/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("as_shipped", "admission_lifted", f"at_{heavy['baseline']}"):
        run = heavy[name]
        probes, answers = run["probes"], run["answers"]
        lines.append(
            f"| {name.replace('_', ' ')} | {run['peak_rss_mib']:.0f} "
            f"| {probes['p99_ms']:.0f} / {probes['worst_ms']:.0f} | {probes['not_200']} "
            f"| {answers['ok']} | {answers['refused']} | {run['share_503']:.2f} "
            f"| {run['predictions_per_second']:,} |"
        )
    return lines


def markdown(results: dict) -> str:
    machine, settings = results["machine"], results["settings"]
    load = " / ".join(f"{value:.2f}" for value in machine["load_average_at_start"])
    lines = [
        "# Benchmark results",
        "",
        f"Made by `make bench` (`{results['command']}`) at {results['started_at']}, "
        f"model {settings['model_version']}.",
        f"Machine: {machine['cpus']} CPUs, load average at start {load} (1/5/15 min); "
        f"Python {machine['python']}, torch {machine['torch']}, FastAPI {machine['fastapi']}, "
        f"uvicorn {machine['uvicorn']}, {machine['wrk']}.",
        "The service runs as shipped (`python -m app`), the bare app under uvicorn's command "
        "line with the same settings (1 worker, uvloop + httptools, no uvicorn access log); "
        f"wrk (1 thread) posts "
        f"randomised valid histories for {settings['seconds_per_run']:g} s per run after a "
        f"{settings['warmup_seconds']:g} s warm-up; {settings['rounds']} rounds, servers "
        "interleaved; medians shown, errors summed over all rounds.",
        "",
        "## POST /predict against the bare FastAPI endpoint",
        "",
        "| server | connections | requests/s | p50 ms | p99 ms | non-2xx | socket errors "
        "| requests/s vs bare | p99 vs bare |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for server, by_connections in results["http"].items():
        server_ratios = ratios(results, server)
        for connections, figures in by_connections.items():
            median = figures["median"]
            ratio = server_ratios[connections]
            lines.append(
                f"| {server} | {connections} | {median['requests_per_second']:,.0f} "
                f"| {median['p50_ms']:.2f} | {median['p99_ms']:.2f} | {median['non_2xx']} "
                f"| {median['socket_errors']} | {ratio['rps']:.2f}x | {ratio['p99']:.2f}x |"
            )
    batch = results["batch"]
    startup = results["start_to_ready"]
    lines += [
        "",
        "## Batch, start-up and memory",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| POST /predict/batch, {batch['students_per_request']} students a request, "
        f"{batch['connections']} connections: predictions/s | "
        f"{batch['predictions_per_second']:,} |",
        f"| ... p99 of a batch request | {batch['median']['p99_ms']:.1f} ms |",
        "| Process start to /health/ready 200, service (median of "
        f"{len(startup['service_seconds'])}): wall / CPU time | "
        f"{startup['service_median_seconds']:.2f} s / "
        f"{startup['service_median_cpu_seconds']:.2f} s |",
        "| Process start to /health/ready 200, bare app: wall / CPU time | "
        f"{startup['bare_seconds']:.2f} s / {startup['bare_cpu_seconds']:.2f} s |",
    ]
    if "advice_batch" in results:
        advice = results["advice_batch"]
        lines.append(
            f"| POST /predict/batch, {advice['students_per_request']} students each with "
            f"risk_below + explain: median / max latency of {advice['requests']} | "
            f"{advice['median_ms']:.1f} / {advice['max_ms']:.1f} ms |"
        )
    for server, memory in results["memory"].items():
        lines.append(
            f"| Resident memory, {server}: peak / at end | "
            f"{memory['peak_mib']:.0f} / {memory['end_mib']:.0f} MiB |"
        )
    if "heavy_load" in results:
        lines += heavy_lines(results["heavy_load"])
    lines += [
        "",
        "## In-process model speed (forward pass only, 1 torch thread)",
        "",
        "| model | batch | calls/s | predictions/s | µs per call |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in results["model_speed"]:
        lines.append(
            f"| {row['model']} | {row['batch']} | {row['calls_per_second']:,.0f} "
            f"| {row['predictions_per_second']:,} | {row['microseconds_per_call']:,.1f} |"
        )
    lines += ["", "## Targets", "", "| target | goal | measured | met |", "|---|---|---:|---|"]
    for target in results["targets"]:
        lines.append(
            f"| {target['target']} | {target['goal']} | {target['measured']} "
            f"| {'yes' if target['met'] else 'NO'} |"
        )
    lines += ["", f"Whole benchmark: {results['bench_seconds']:.0f} s.", ""]
    return "\n".join(lines)
