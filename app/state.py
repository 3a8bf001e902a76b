"""What the service holds while it runs, in one typed object on `app.state.service`."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.api.access_log import AccessLog
from app.api.errors import ApiError
from app.api.metrics import Metrics
from app.api.schemas import RequestModels
from app.config import Settings
from app.model.predictor import Predictor

NOT_LOADED = "the model is not loaded"


@dataclass
class ServiceState:
    settings: Settings
    # Built from the card at startup: the limits validation enforces and the docs state.
    requests: RequestModels
    metrics: Metrics = field(default_factory=Metrics)
    access_log: AccessLog = field(default_factory=AccessLog)
    predictor: Predictor | None = None
    # Set while shutting down, so a load balancer stops sending new requests.
    not_ready_reason: str | None = None

    def readiness_problem(self) -> str | None:
        if self.not_ready_reason is not None:
            return self.not_ready_reason
        return NOT_LOADED if self.predictor is None else None

    def ready_predictor(self) -> Predictor:
        """The model to answer with, or a 503 saying why there is none."""
        if self.predictor is None:
            raise ApiError(503, NOT_LOADED)
        return self.predictor
