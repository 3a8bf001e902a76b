"""What the service holds while it runs, in one typed object on `app.state.service`.

It knows the model, the settings and the observability objects, never the HTTP layer:
app/api/ reads it, not the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.config import Settings
from app.model.control import ModelControl
from app.model.limits import Limits
from app.model.predictor import Predictor
from app.model.registry import ModelRegistry, Outcome
from app.observability.access_log import AccessLog
from app.observability.metrics import Metrics
from app.store.store import Store

NOT_LOADED = "the model is not loaded"


@dataclass
class ServiceState:
    settings: Settings
    # From the card at startup: the limits validation enforces and the docs state.
    limits: Limits
    metrics: Metrics = field(default_factory=Metrics)
    access_log: AccessLog = field(default_factory=AccessLog)
    # Where forecasts and outcomes are recorded; None when recording is off.
    store: Store | None = None
    # Set while shutting down, so a load balancer stops sending new requests.
    not_ready_reason: str | None = None
    models: ModelRegistry = field(init=False)
    control: ModelControl = field(init=False)

    def __post_init__(self) -> None:
        self.models = ModelRegistry(self.settings.model_path, self.refusal_of)
        self.control = ModelControl(self.models, self.settings.supervisor_pid, self.count)

    @property
    def predictor(self) -> Predictor | None:
        active = self.models.active
        return active.predictor if active is not None else None

    def refusal_of(self, predictor: Predictor) -> str | None:
        """Why a verified model may not be swapped in: the published request contract (the
        limits in /openapi.json) must stay what clients were told."""
        served = Limits.of(predictor.card, self.settings.max_batch)
        if served != self.limits:
            return (
                f"its request limits ({served}) differ from the ones this service publishes "
                f"({self.limits}); restart the service to serve it"
            )
        return None

    def show_model(self, predictor: Predictor) -> None:
        card = predictor.card
        self.metrics.show_model(card.model_version, card.checkpoint_sha256)

    def count(self, outcome: Outcome) -> None:
        self.metrics.reloads.labels(outcome.outcome).inc()
        if outcome.active is not None:
            self.show_model(outcome.active.predictor)

    def readiness_problem(self) -> str | None:
        if self.not_ready_reason is not None:
            return self.not_ready_reason
        return NOT_LOADED if self.predictor is None else None
