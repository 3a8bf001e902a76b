"""The deployment files' limits against the heavy-load benchmark (issue #25): the container's
memory limit must hold the worker's peak under the worst valid load, with room to spare, and
the probes' timeouts must outlast the slowest probe answer measured under it. The figures are
the committed bench/results/heavy_load.json (`python -m bench.heavy_load`, also written by
`make bench`); rerun it after a change that could move them."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

HEAVY = json.loads((ROOT / "bench" / "results" / "heavy_load.json").read_text())["heavy_load"]
SHIPPED = HEAVY["as_shipped"]
# A fifth more than the anonymous peak, the memory that grows with the load (the benchmark's
# peak is one run on one machine). The pages mapped from files (torch's libraries, mostly) are
# counted as measured, without headroom: they do not grow with load, and under the limit's
# pressure the kernel reclaims them rather than killing the process. How many of them count
# in RSS depends on the page cache (docs/performance.md, Heavy load).
MEMORY_HEADROOM = 1.25


def needed_mib() -> float:
    anonymous = SHIPPED["peak_anonymous_mib"]
    return anonymous * MEMORY_HEADROOM + (SHIPPED["peak_rss_mib"] - anonymous)


# A probe must have twice the slowest answer measured under the heaviest load.
PROBE_HEADROOM = 2.0
UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9, "": 1}


def mebibytes(quantity: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]i?|)", quantity.strip())
    assert match, f"not a memory quantity: {quantity!r}"
    return float(match[1]) * UNITS[match[2]] / 2**20


def deployment_container() -> dict[str, Any]:
    deployment = yaml.safe_load((ROOT / "deploy" / "kubernetes" / "deployment.yaml").read_text())
    return deployment["spec"]["template"]["spec"]["containers"][0]


def test_the_benchmark_measured_the_scenario_the_limits_are_for() -> None:
    assert SHIPPED["connections"] == 64 and SHIPPED["students_per_batch"] == 1000
    assert SHIPPED["probes"]["probes"] >= 20 and SHIPPED["answers"]["ok"] > 0


def test_the_kubernetes_memory_limit_holds_the_peak_with_room() -> None:
    limit = mebibytes(deployment_container()["resources"]["limits"]["memory"])
    assert needed_mib() <= limit, (needed_mib(), limit)


def test_the_compose_memory_limit_holds_the_peak_with_room() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    limit = mebibytes(compose["services"]["api"]["deploy"]["resources"]["limits"]["memory"])
    assert needed_mib() <= limit, (needed_mib(), limit)


@pytest.mark.parametrize("probe", ["livenessProbe", "readinessProbe"])
def test_probe_timeouts_outlast_the_slowest_probe_under_heavy_load(probe: str) -> None:
    timeout_ms = deployment_container()[probe]["timeoutSeconds"] * 1000
    worst_ms = SHIPPED["probes"]["worst_ms"]
    assert worst_ms * PROBE_HEADROOM <= timeout_ms, (probe, worst_ms, timeout_ms)
    assert SHIPPED["probes"]["not_200"] == 0
