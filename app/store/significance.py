"""The two one-sided tests behind monitoring's alerts, in plain Python (the service carries no
SciPy): both reduce to the regularized incomplete beta function I_x(a, b).

- coverage below the level: the exact binomial test, P(X <= covered) for X ~ Binomial(n,
  level), which is I_{1-level}(n - covered, covered + 1);
- MSE above the card's: Student's one-sided t-test on the squared errors against the card's
  MSE, P(T >= t) with n - 1 degrees of freedom, 0.5 * I_{df/(df+t^2)}(df/2, 1/2) for t > 0.
"""

from __future__ import annotations

import math

# Lentz's continued fraction needs about sqrt(max(a, b)) terms; this covers a = b = 10^8.
MAX_TERMS = 100_000
TINY = 1e-300
EPSILON = 1e-15


def regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), by the continued fraction on whichever side converges fast."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _continued_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _continued_fraction(1.0 - x, b, a) / b


def _continued_fraction(x: float, a: float, b: float) -> float:
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > TINY else TINY)
    value = d
    for m in range(1, MAX_TERMS):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > TINY else TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > TINY else TINY
            value *= d * c
        if abs(d * c - 1.0) < EPSILON:
            return value
    return value


def coverage_below_p(covered: int, n: int, level: float) -> float:
    """One-sided exact binomial test: the chance of covering `covered` or fewer of `n` if the
    interval really held with probability `level`."""
    if covered >= n:
        return 1.0
    return regularized_beta(1.0 - level, n - covered, covered + 1)


def mse_above_p(n: int, sum_squared: float, sum_fourth: float, expected_mse: float) -> float:
    """One-sided t-test that the mean squared error exceeds `expected_mse`, from the sums of
    the squared errors and of their squares."""
    if n < 2:
        return 1.0
    mean = sum_squared / n
    variance = max(0.0, (sum_fourth - n * mean * mean) / (n - 1))
    if variance == 0.0:
        return 0.0 if mean > expected_mse else 1.0
    t = (mean - expected_mse) / math.sqrt(variance / n)
    df = n - 1
    tail = 0.5 * regularized_beta(df / (df + t * t), df / 2.0, 0.5)
    return tail if t > 0 else 1.0 - tail
