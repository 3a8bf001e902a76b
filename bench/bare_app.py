"""The limit of this stack: FastAPI validating the service's own request model and answering a
constant. Whatever the service does beyond this (model, metrics, logging) is its overhead.

Served by uvicorn with exactly the service's flags (`bench.servers.BareServer`).
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from app.api.request_models import request_models
from app.model.card import ModelCard
from app.model.limits import Limits

# The service's own request model, with the limits of the same card (read without torch:
# the bare app must not carry the model's weight in memory or start-up time).
_card = ModelCard.read(
    Path(os.environ.get("CGPA_MODEL_PATH", "models/cgpa_rnn.pt")).with_suffix(".json")
)
StudentHistory = request_models(Limits.of(_card, max_batch=1000)).student

app = FastAPI()

# Shaped like a real answer so the response bodies are of comparable size.
CONSTANT_ANSWER = {
    "predicted_cgpa": 7.5,
    "interval": {"low": 6.9, "high": 8.1, "level": 0.9},
    "semester": 3,
    "model_version": "bare",
    "warnings": [],
}


@app.post("/predict")
async def predict(student: StudentHistory) -> dict:  # type: ignore[valid-type]
    return CONSTANT_ANSWER


@app.get("/health/ready")
async def ready() -> dict:
    return {"status": "ready"}
