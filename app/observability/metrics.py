"""Prometheus metrics, in a registry of the app's own (tests build many apps in one process)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

# The figures of GET /monitoring shown per model version (never per student): name -> help.
MONITORING_FIGURES = {
    "forecasts": "Forecasts recorded.",
    "outcomes": "Forecasts whose real grade (outcome) arrived.",
    "mae": "Mean absolute error of the forecasts against their outcomes.",
    "mse": "Mean squared error of the forecasts against their outcomes.",
    "coverage": "Share of outcomes inside the forecast's recorded interval.",
    "mean_width": "Mean width of the recorded intervals.",
    "brier": "Brier score of the risks asked for (forecasts with risk_below).",
}
EXPECTED_FIGURES = {
    "mse": "The card's out-of-fold MSE, which the model promised.",
    "level": "The card's interval level, which coverage should reach.",
}

# Buckets from 100 µs: most answers here take well under a millisecond.
LATENCY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "cgpa_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "cgpa_http_request_duration_seconds",
            "Time from request start to the last byte of the answer, by route template.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter(
            "cgpa_predictions",
            "Students forecast, by route kind (single, batch, v2).",
            ["kind"],
            registry=self.registry,
        )
        # `.labels(...)` looks its child up under a lock on every call; these are per request.
        self.predicted = {kind: self.predictions.labels(kind) for kind in ("single", "batch", "v2")}
        self.model = Info("cgpa_model", "The checkpoint being served.", registry=self.registry)
        self.reloads = Counter(
            "cgpa_model_reloads",
            "Model reloads and rollbacks, by outcome (loaded, unchanged, refused, rolled_back, "
            "no_previous).",
            ["outcome"],
            registry=self.registry,
        )

        self.outcomes_received = Counter(
            "cgpa_outcomes_received",
            "Outcomes (real grades) received by POST /outcomes, duplicates included.",
            registry=self.registry,
        )
        self.monitoring = {
            name: Gauge(f"cgpa_monitoring_{name}", text, ["model_version"], registry=self.registry)
            for name, text in MONITORING_FIGURES.items()
        }
        self.expected = {
            name: Gauge(
                f"cgpa_monitoring_expected_{name}", text, ["model_version"], registry=self.registry
            )
            for name, text in EXPECTED_FIGURES.items()
        }
        self.alerts = Gauge(
            "cgpa_monitoring_alerts",
            "Alerts GET /monitoring raises now (coverage or MSE worse than the card's).",
            registry=self.registry,
        )
        # time.monotonic() of the last show_monitoring; /metrics refreshes when it is old.
        self.monitoring_shown_at: float | None = None

    def show_monitoring(self, by_model_version: Sequence[Mapping[str, Any]], alerts: int) -> None:
        """The figures of GET /monitoring per model version; a version no longer there goes."""
        for gauge in (*self.monitoring.values(), *self.expected.values()):
            gauge.clear()
        for row in by_model_version:
            version = str(row["model_version"])
            for name, gauge in self.monitoring.items():
                if row.get(name) is not None:
                    gauge.labels(version).set(row[name])
            for name, gauge in self.expected.items():
                gauge.labels(version).set(row["expected"][name])
        self.alerts.set(alerts)
        self.monitoring_shown_at = time.monotonic()

    def show_model(self, version: str, checkpoint_sha256: str) -> None:
        """`cgpa_model_info` names the checkpoint being served (after startup and each swap)."""
        self.model.info(
            {
                "version": version,
                "checkpoint_sha256": checkpoint_sha256,
                "torch": torch.__version__,
            }
        )
