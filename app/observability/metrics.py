"""Prometheus metrics, in a registry of the app's own (tests build many apps in one process)."""

from __future__ import annotations

import torch
from prometheus_client import CollectorRegistry, Counter, Histogram, Info

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

    def show_model(self, version: str, checkpoint_sha256: str) -> None:
        """`cgpa_model_info` names the checkpoint being served (after startup and each swap)."""
        self.model.info(
            {
                "version": version,
                "checkpoint_sha256": checkpoint_sha256,
                "torch": torch.__version__,
            }
        )
