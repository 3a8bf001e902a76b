"""deploy/grafana/cgpa-predictor.json: every panel's PromQL names only metrics the service's
GET /metrics exports (with a store, so the monitoring metrics are there too)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from fastapi.testclient import TestClient

DASHBOARD = Path(__file__).resolve().parents[1] / "deploy" / "grafana" / "cgpa-predictor.json"
# What PromQL spells that is not a metric: functions, aggregations and their modifiers.
KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "offset",
    "bool",
    "and",
    "or",
    "unless",
    "sum",
    "max",
    "min",
    "avg",
    "count",
    "rate",
    "increase",
    "irate",
    "histogram_quantile",
    "topk",
    "bottomk",
    "quantile",
    "stddev",
    "le",
}
SUFFIXES = ("", "_total", "_bucket", "_count", "_sum", "_created", "_info")


def panels(nodes: list[dict]) -> Iterator[dict]:
    for node in nodes:
        yield node
        yield from panels(node.get("panels", []))


def metric_names(expr: str) -> set[str]:
    """The metric names in a PromQL expression: identifiers that are not keywords, not
    function calls, not inside label matchers, grouping lists or ranges."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        rest = text[match.end() :].lstrip()
        if match.group() in KEYWORDS or rest.startswith("("):
            continue
        names.add(match.group())
    return names


def exported_names(metrics_text: str) -> set[str]:
    names = set()
    for line in metrics_text.splitlines():
        if line.startswith("# TYPE "):
            family = line.split()[2]
            names |= {family + suffix for suffix in SUFFIXES}
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def test_the_parser_finds_metrics_and_skips_the_rest() -> None:
    expr = 'histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{status=~"5.."}[5m]))) / b'
    assert metric_names(expr) == {"a_bucket", "b"}


def test_every_panel_queries_metrics_the_service_exports(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    # A store of its own, opened by the startup: the monitoring metrics come from it.
    client = make_client(database_url=f"sqlite:///{tmp_path / 'cgpa.sqlite3'}")
    exported = exported_names(client.get("/metrics").text)
    dashboard = json.loads(DASHBOARD.read_text())

    checked = 0
    for panel in panels(dashboard["panels"]):
        for target in panel.get("targets", []):
            names = metric_names(target["expr"])
            assert names, f"panel {panel['title']!r}: no metric in {target['expr']!r}"
            missing = names - exported
            assert not missing, f"panel {panel['title']!r} queries {missing}, not exported"
            checked += 1
    assert checked >= 10
