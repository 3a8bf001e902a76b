"""The reliability plot of the risk calibration: one panel per cut-off, drawn from the report
dict's pooled bins (`training.evaluation.risk.reliability`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402

from training.evaluation.report_types import EvaluationReport, RiskSection  # noqa: E402
from training.evaluation.results import PROJECT_MODEL  # noqa: E402
from training.evaluation.risk import LOGISTIC  # noqa: E402
from training.report.advice_text import RELIABILITY_PLOT  # noqa: E402


def write_advice_plots(report: EvaluationReport, report_dir: Path) -> list[str]:
    """The file names written (none when the report has no risk section)."""
    risk = report.get("risk_calibration")
    if not risk:
        return []
    plot_reliability(risk, report_dir / RELIABILITY_PLOT)
    return [RELIABILITY_PLOT]


def plot_reliability(risk: RiskSection, path: Path) -> None:
    entries = risk["cutoffs"]
    figure, panels = plt.subplots(1, len(entries), figsize=(5 * len(entries), 5), squeeze=False)
    for axes, entry in zip(panels[0], entries, strict=True):
        axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
        for name, colour in [(PROJECT_MODEL, "tab:blue"), (LOGISTIC, "tab:orange")]:
            filled = [b for b in entry["reliability"][name] if b["count"]]
            # Marker area grows with the bin's count, so a lone student's bin does not look
            # like evidence.
            axes.scatter(
                [b["mean_predicted"] for b in filled],
                [b["observed"] for b in filled],
                s=[12 + 4 * b["count"] ** 0.75 for b in filled],
                color=colour,
                alpha=0.7,
                label=f"{name} (Brier {entry[_key(name)]['mean']:.3f})",
            )
            axes.plot(
                [b["mean_predicted"] for b in filled],
                [b["observed"] for b in filled],
                color=colour,
                linewidth=1,
            )
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1)
        axes.set_xlabel("predicted probability of falling below")
        axes.set_ylabel("observed share below")
        axes.set_title(f"below {entry['cutoff']:g} (base rate {entry['base_rate']:.2f})")
        axes.legend(loc="upper left", fontsize=8)
    figure.suptitle("Risk calibration (10 bins, pooled over CV folds)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _key(name: str) -> Literal["brier", "logistic_brier"]:
    return "brier" if name == PROJECT_MODEL else "logistic_brier"
