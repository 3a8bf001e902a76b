"""The advice part of an evaluation (#16): risk calibration and fairness, on the same splits
the accuracy report scored, for `evaluate`'s report and `train`'s card.

The two callers in `training.pipeline` hand over the splits they already ran; nothing here
trains the project model again (only the logistic regressions it is measured against).
"""

from __future__ import annotations

from collections.abc import Sequence

from training.data import StudentTable
from training.evaluation.fairness import card_fairness_summary, fairness
from training.evaluation.group_coverage import group_coverage
from training.evaluation.report_types import AdviceSections
from training.evaluation.results import SplitResult
from training.evaluation.risk import card_risk_summary, chosen_cutoffs, split_risk, summarise_risk

__all__ = ["advice_sections", "card_summaries", "chosen_cutoffs"]


def advice_sections(
    table: StudentTable,
    split_ids: Sequence[list[int]],
    results: Sequence[SplitResult],
    history: int,
    cutoff_choice: tuple[list[float], str],
    repeats: int = 1,
    calibration: tuple[float, int] | None = None,
) -> AdviceSections:
    """{"risk_calibration": ..., "fairness": ...} for these splits (test ids and results,
    in the same order), at `cutoff_choice` = `chosen_cutoffs(...)`: (cut-offs, their source).
    The callers choose them before training, so a bad --risk-below fails at once.
    `calibration` = (interval level, min_cell_size) adds the coverage by group before and
    after calibration by group (evaluate's report; the card's seed split is too small)."""
    cutoffs, source = cutoff_choice
    risks = [
        split_risk(table, test_ids, result, history, cutoffs)
        for test_ids, result in zip(split_ids, results, strict=True)
    ]
    sections: AdviceSections = {
        "risk_calibration": summarise_risk(risks, source),
        "fairness": fairness(table, list(results), risks, repeats),
    }
    if table.group_column is not None and calibration is not None:
        level, min_cell_size = calibration
        sections["group_coverage"] = group_coverage(
            table, results, risks, repeats, min_cell_size, level
        )
    return sections


def card_summaries(sections: AdviceSections) -> dict[str, object]:
    """The card's `metrics` entries: small, plain JSON."""
    return {
        "risk_calibration": card_risk_summary(sections["risk_calibration"]),
        "fairness": card_fairness_summary(sections["fairness"]),
    }
