"""What a request may hold, from the served model's card and the settings.

The request models (app/api/request_models.py) are built from these limits, and a reload may swap
in only a model with the same limits (app/state.py), so /openapi.json stays true.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.model.card import ModelCard


@dataclass(frozen=True)
class Limits:
    """What a request may hold, from the card and the settings."""

    max_history: int
    scale: tuple[float, float]
    max_batch: int
    # The card's group codes are integers or strings; `college_code` takes the same kind.
    code_kind: Literal["integer", "string"] = "integer"

    @classmethod
    def of(cls, card: ModelCard, max_batch: int) -> Limits:
        strings = any(isinstance(code, str) for code in card.group.codes)
        return cls(card.max_history, card.scale, max_batch, "string" if strings else "integer")
