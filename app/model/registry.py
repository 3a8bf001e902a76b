"""The models a worker holds: the active one and the previous verified one.

A reload reads `CGPA_MODEL_PATH` and its card again and verifies them exactly as startup
does (`load_predictor`: card schema, sha256, golden examples), in a thread so the event loop
keeps answering; only then is the new model swapped in, by one assignment. A request keeps
the predictor it started with (the request path reads `active` once), so requests already
running finish on their model and the next ones use the new one. A failed reload changes
nothing. Rolling back swaps the two at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.model.predictor import ModelLoadError, Predictor, load_predictor


@dataclass(frozen=True, slots=True)
class LoadedModel:
    predictor: Predictor
    loaded_at: datetime

    def describe(self) -> dict[str, str]:
        return {
            "model_version": self.predictor.card.model_version,
            "loaded_at": self.loaded_at.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a reload or rollback did: `outcome` is the metrics label."""

    outcome: str  # "loaded", "unchanged", "refused", "rolled_back", "no_previous"
    message: str
    active: LoadedModel | None


class ModelRegistry:
    def __init__(self, path: Path, accepts: Callable[[Predictor], str | None]) -> None:
        """`accepts(predictor)` returns why a verified model may not replace the active one
        (e.g. other request limits than the ones published), or None."""
        self.path = path
        self.accepts = accepts
        self.active: LoadedModel | None = None
        self.previous: LoadedModel | None = None
        self._lock = asyncio.Lock()

    def start(self, predictor: Predictor) -> None:
        self.active = LoadedModel(predictor, _now())

    def versions(self) -> dict[str, Predictor]:
        """Every loaded model by version: the active one first."""
        loaded = [model for model in (self.active, self.previous) if model is not None]
        return {model.predictor.card.model_version: model.predictor for model in loaded}

    async def reload(self) -> Outcome:
        async with self._lock:  # one reload at a time; answers go on meanwhile
            try:
                predictor = await asyncio.to_thread(load_predictor, self.path)
            except ModelLoadError as error:
                return Outcome("refused", str(error), self.active)
            refusal = self.accepts(predictor)
            if refusal is not None:
                return Outcome("refused", f"{self.path}: {refusal}", self.active)
            current = self.active
            version = predictor.card.model_version
            if current is not None and current.predictor.card.model_version == version:
                return Outcome("unchanged", f"{self.path}: already serving {version}", current)
            self.previous, self.active = current, LoadedModel(predictor, _now())
            return Outcome("loaded", f"{self.path}: now serving {version}", self.active)

    async def rollback(self) -> Outcome:
        async with self._lock:
            if self.previous is None:
                return Outcome("no_previous", "no previous model to roll back to", self.active)
            self.active, self.previous = self.previous, self.active
            version = self.active.predictor.card.model_version
            return Outcome("rolled_back", f"rolled back to {version}", self.active)


def _now() -> datetime:
    return datetime.now(UTC)
