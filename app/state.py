"""What the service holds while it runs, in one typed object on `app.state.service`."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.api.access_log import AccessLog
from app.api.errors import ApiError
from app.api.metrics import Metrics
from app.api.schemas import Limits, RequestModels
from app.config import Settings
from app.model.control import ModelControl
from app.model.predictor import Predictor
from app.model.registry import ModelRegistry, Outcome

NOT_LOADED = "the model is not loaded"


@dataclass
class ServiceState:
    settings: Settings
    # Built from the card at startup: the limits validation enforces and the docs state.
    requests: RequestModels
    metrics: Metrics = field(default_factory=Metrics)
    access_log: AccessLog = field(default_factory=AccessLog)
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
        if served != self.requests.limits:
            return (
                f"its request limits ({served}) differ from the ones this service publishes "
                f"({self.requests.limits}); restart the service to serve it"
            )
        return None

    def count(self, outcome: Outcome) -> None:
        self.metrics.reloads.labels(outcome.outcome).inc()
        if outcome.active is not None:
            self.metrics.show_model(outcome.active.predictor.card)

    def readiness_problem(self) -> str | None:
        if self.not_ready_reason is not None:
            return self.not_ready_reason
        return NOT_LOADED if self.predictor is None else None

    def ready_predictor(self) -> Predictor:
        """The model to answer with, or a 503 saying why there is none."""
        predictor = self.predictor
        if predictor is None:
            raise ApiError(503, NOT_LOADED)
        return predictor
