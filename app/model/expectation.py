"""What a model's card promises about its forecasts, for monitoring to hold it to.

The MSE is the mean squared out-of-fold residual the card keeps for its interval (per
history length, `interval.residuals_by_length`): the cross-validated error of the served
model, pooled over every length. The level is the interval's.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.model.card import ModelCard


@dataclass(frozen=True)
class Promise:
    mse: float
    level: float


def promise_of(card: ModelCard) -> Promise:
    residuals = [value for values in card.interval.residuals_by_length.values() for value in values]
    mse = sum(value * value for value in residuals) / len(residuals) if residuals else 0.0
    return Promise(mse, card.interval.level)
