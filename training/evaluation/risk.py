"""The risk of falling below a cut-off, scored on the evaluation's own folds (#16).

The service answers P(next grade < c) with `app.model.risk.RiskModel`, built from the card's
signed out-of-fold residuals. Here every fold's project model gets that same `RiskModel`,
built from the residuals its own card would have carried (`SplitResult.residuals_by_length`
and, for the cells calibrated by group, `residuals_by_cell`),
and the fold's served predictions, so the evaluation scores exactly what the service serves:
one model for every cut-off. The bar is what a careful analyst would fit instead: a logistic
regression per cut-off on the features of "linear regression + group" (the grades and the
group one-hot), trained on the same fold's training part. Both are scored by the Brier score
on the headline target's test students.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from app.model.risk import RiskModel
from training.data import DataError, Samples, StudentTable, complete_student_ids, final_samples
from training.evaluation.baselines import _group_one_hot
from training.evaluation.report_types import ReliabilityBin, RiskAtCutoff, RiskSection
from training.evaluation.results import PROJECT_MODEL, SplitResult, mean_and_std

DEFAULT_PERCENTILES = (20, 35)
# A student is flagged when the risk is this or more: the page's flag (README, "risk of 50%
# or more").
FLAG_AT = 0.5
# The bar: our Brier score may exceed the logistic regression's by at most this.
BRIER_MARGIN = 0.005
RELIABILITY_BINS = 10
LOGISTIC = "logistic regression"


@dataclass(frozen=True)
class SplitRisk:
    """One test part's risk answers, row for row with `SplitResult.targets`."""

    cutoffs: list[float]
    student_ids: np.ndarray  # [N] the test students, for grouping
    below: np.ndarray  # bool [cutoffs, N]: the next grade really was below the cut-off
    ours: np.ndarray  # [cutoffs, N] RiskModel.probability_below
    logistic: np.ndarray  # [cutoffs, N]
    # The same from the per-length residuals alone (before calibration by group, #27).
    ours_pooled: np.ndarray  # [cutoffs, N]


def default_cutoffs(table: StudentTable, history: int) -> list[float]:
    """The 20th and 35th percentile of the accuracy target over the whole file, to 2 places
    (a cut-off is something a person types; the rounding moves the base rate negligibly)."""
    targets = final_samples(table, complete_student_ids(table), history).targets
    values = [round(float(np.percentile(targets, q)), 2) for q in DEFAULT_PERCENTILES]
    return sorted(set(values))


def chosen_cutoffs(
    table: StudentTable, history: int, requested: Sequence[float] | None
) -> tuple[list[float], str]:
    """(cut-offs, where they came from). A cut-off at or below the scale's low end, or above
    its high end, has a certain answer (0 or 1) and measures nothing, so it is refused."""
    if not requested:
        words = " and ".join(f"{q}th" for q in DEFAULT_PERCENTILES)
        return default_cutoffs(table, history), f"the {words} percentile of the target"
    low, high = table.scale
    for cutoff in requested:
        if not low < cutoff <= high:
            raise DataError(
                table.source,
                None,
                None,
                f"--risk-below {cutoff:g} is outside the grade scale ({low:g}, {high:g}]",
            )
    return list(dict.fromkeys(float(c) for c in requested)), "--risk-below"


def logistic_probability_below(train: Samples, test: Samples, cutoff: float) -> np.ndarray:
    """P(target < cut-off) from a logistic regression on the grades and the group one-hot.
    A training part with one class only predicts its constant rate (0 or 1)."""
    labels = train.targets < cutoff
    if labels.all() or not labels.any():
        return np.full(len(test), float(labels.mean()))
    known = np.unique(train.group_indexes)

    def features(samples: Samples) -> np.ndarray:
        return np.hstack([samples.grades, _group_one_hot(samples.group_indexes, known)])

    # Standardised so that the default L2 penalty means the same on every grade scale.
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(features(train), labels)
    return model.predict_proba(features(test))[:, 1].astype(np.float64)


def split_risk(
    table: StudentTable,
    test_ids: list[int],
    result: SplitResult,
    history: int,
    cutoffs: list[float],
) -> SplitRisk:
    """Both models' P(next grade < c) for the test students of one split, at every cut-off."""
    tested = set(test_ids)
    # The same rows, in the same order, as `training.evaluation.splits.evaluate_split` scored.
    train_ids = [i for i in range(len(table.students)) if i not in tested]
    train_final = final_samples(table, train_ids, history)
    test_final = final_samples(table, test_ids, history)
    if not np.array_equal(test_final.targets.astype(np.float64), result.targets):
        raise ValueError("the split's test rows are not the ones it was scored on")
    if not result.residuals_by_length:
        raise ValueError("the split result carries no calibration residuals")
    risk = RiskModel(result.residuals_by_length, table.scale, result.residuals_by_cell)
    pooled = RiskModel(result.residuals_by_length, table.scale)
    predicted = result.predictions[PROJECT_MODEL].tolist()
    lengths = test_final.lengths.tolist()
    groups = test_final.group_indexes.tolist()
    return SplitRisk(
        cutoffs=list(cutoffs),
        student_ids=test_final.student_ids.copy(),
        below=result.targets[None, :] < np.array(cutoffs)[:, None],
        ours=np.array([risk.probability_below(predicted, lengths, c, groups) for c in cutoffs]),
        ours_pooled=np.array([pooled.probability_below(predicted, lengths, c) for c in cutoffs]),
        logistic=np.array(
            [logistic_probability_below(train_final, test_final, c) for c in cutoffs]
        ),
    )


def brier(probabilities: np.ndarray, outcomes: np.ndarray) -> float:
    """mean((p - 1[outcome])^2): 0 for a perfect forecaster."""
    gap = np.asarray(probabilities, np.float64) - np.asarray(outcomes, np.float64)
    return float(np.mean(gap**2))


def reliability(probabilities: np.ndarray, outcomes: np.ndarray) -> list[ReliabilityBin]:
    """Ten equal-width bins of the predicted probability: count, mean predicted, observed
    frequency (None in an empty bin)."""
    edges = np.linspace(0.0, 1.0, RELIABILITY_BINS + 1)
    # The last bin is closed on the right, so a probability of exactly 1 lands in it.
    bins = np.clip(np.searchsorted(edges, probabilities, side="right") - 1, 0, RELIABILITY_BINS - 1)
    rows: list[ReliabilityBin] = []
    for number in range(RELIABILITY_BINS):
        chosen = bins == number
        count = int(chosen.sum())
        rows.append(
            {
                "low": float(edges[number]),
                "high": float(edges[number + 1]),
                "count": count,
                "mean_predicted": float(probabilities[chosen].mean()) if count else None,
                "observed": float(outcomes[chosen].mean()) if count else None,
            }
        )
    return rows


def summarise_risk(risks: list[SplitRisk], source: str) -> RiskSection:
    """Per cut-off: Brier ours and logistic (mean ± std over folds), the base rate, the
    paired difference, the verdict against BRIER_MARGIN, and pooled reliability bins."""
    cutoffs = risks[0].cutoffs
    summary: list[RiskAtCutoff] = []
    for k, cutoff in enumerate(cutoffs):
        ours = np.array([brier(r.ours[k], r.below[k]) for r in risks])
        theirs = np.array([brier(r.logistic[k], r.below[k]) for r in risks])
        below = np.concatenate([r.below[k] for r in risks])
        pooled_ours = np.concatenate([r.ours[k] for r in risks])
        pooled_theirs = np.concatenate([r.logistic[k] for r in risks])
        difference = ours - theirs
        base_rate = float(below.mean())
        summary.append(
            {
                "cutoff": cutoff,
                "base_rate": base_rate,
                "predictions": len(below),
                "brier": mean_and_std(ours.tolist()),
                "logistic_brier": mean_and_std(theirs.tolist()),
                # The Brier score of always answering the (pooled) base rate: the score a
                # forecaster that knows nothing about the student gets.
                "constant_rate_brier": base_rate * (1 - base_rate),
                "mean_difference": float(difference.mean()),
                "difference_standard_error": float(difference.std(ddof=1) / np.sqrt(len(risks)))
                if len(risks) > 1
                else None,
                "met": bool(ours.mean() <= theirs.mean() + BRIER_MARGIN),
                "reliability": {
                    PROJECT_MODEL: reliability(pooled_ours, below),
                    LOGISTIC: reliability(pooled_theirs, below),
                },
            }
        )
    return {
        "source": source,
        "margin": BRIER_MARGIN,
        "flag_at": FLAG_AT,
        "baseline": f"{LOGISTIC} per cut-off on the grades and the group one-hot",
        "folds": len(risks),
        "cutoffs": summary,
    }


def card_risk_summary(risk_report: RiskSection) -> dict[str, object]:
    """The card's copy: the numbers without the reliability bins, rounded (plain JSON)."""
    return {
        "split": "seed split",
        "source": risk_report["source"],
        "margin": BRIER_MARGIN,
        "baseline": risk_report["baseline"],
        "cutoffs": [
            {
                "cutoff": entry["cutoff"],
                "base_rate": round(entry["base_rate"], 4),
                "predictions": entry["predictions"],
                "brier": round(entry["brier"]["mean"], 4),
                "logistic_brier": round(entry["logistic_brier"]["mean"], 4),
                "met": entry["met"],
            }
            for entry in risk_report["cutoffs"]
        ],
    }
