"""The evaluation report's shape: what `training.evaluation` writes and `training.report` reads.

TypedDicts, not dataclasses, because the report is JSON (report.json is `json.dumps` of it)
and a TypedDict is the dict itself: the types add checking and change no byte of the file.
Keys that vary (model names, history lengths, group names) stay mapping keys; fixed keys are
fields, so a misspelt one is a type error rather than a KeyError at the end of a long run.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict


class MeanStd(TypedDict):
    """A score over folds."""

    mean: float
    std: float


class SplitScores(TypedDict):
    """One model on one split; the project model adds its interval."""

    mse: float
    mae: float
    rmse: float
    r2: float
    train_seconds: float
    coverage: NotRequired[float]
    mean_width: NotRequired[float]


class LengthSplitScores(TypedDict):
    """The project model on one split's prefixes of one history length."""

    mse: float
    mae: float
    rmse: float
    r2: float
    coverage: float
    mean_width: float
    baseline_mse: float
    network_share: float
    count: int


class PairedComparison(TypedDict):
    """The project's MSE against another's, fold by fold (NaN error with one fold)."""

    project_wins_folds: int
    folds: int
    mean_mse_difference: float
    difference_standard_error: float


class LengthSummary(TypedDict):
    mse: MeanStd
    mae: MeanStd
    baseline_mse: MeanStd
    versus_baseline: PairedComparison
    network_share: MeanStd
    coverage_pooled: float
    mean_width: float
    predictions: int


class DataSection(TypedDict):
    file: str
    summary: str
    scale: list[float]
    terms: int
    group_label: str
    group_codes: int


class IntervalSection(TypedDict):
    level: float
    coverage_pooled: float
    predictions: int
    mean_width: float


class ReliabilityBin(TypedDict):
    low: float
    high: float
    count: int
    mean_predicted: float | None  # None in an empty bin
    observed: float | None


class RiskAtCutoff(TypedDict):
    cutoff: float
    base_rate: float
    predictions: int
    brier: MeanStd
    logistic_brier: MeanStd
    constant_rate_brier: float
    mean_difference: float
    difference_standard_error: float | None  # None with one fold
    met: bool
    reliability: dict[str, list[ReliabilityBin]]  # by model name


class RiskSection(TypedDict):
    source: str
    margin: float
    flag_at: float
    baseline: str
    folds: int
    cutoffs: list[RiskAtCutoff]


# The group scores a fairness sentence compares, and what each one's sample size counts.
ComparedScore = Literal["mse", "coverage", "recall", "false_alarms"]
SampleCount = Literal["n", "below", "flagged"]


class GroupScores(TypedDict):
    """The scores of one set of rows; None where the set is empty (or nobody fell below,
    or nobody was flagged)."""

    n: int
    mse: float | None
    mae: float | None
    coverage: float | None
    below: int
    flagged: int
    flag_rate: float | None
    recall: float | None
    false_alarms: float | None


class Grouping(TypedDict):
    overall: GroupScores
    groups: dict[str, GroupScores]  # by group name


class FairnessSection(TypedDict):
    cutoff: float
    flag_at: float
    predictions: int
    groupings: dict[str, Grouping]  # by grouping label
    differences: list[str]


class CoverageFigures(TypedDict):
    """An interval's coverage with its standard error, and its mean width."""

    coverage: float
    standard_error: float | None  # None for fewer than 2 rows a repeat
    mean_width: float


class CellCoverage(TypedDict):
    """One (group, history length): before and after calibration by group, and in how many
    of the fits the cell was its own (the others fell back to the pooled)."""

    n: int
    before: CoverageFigures
    after: CoverageFigures
    own_in_fits: int
    fits: int
    mean_held_out: float  # the cell's held-out residuals per fit


class GroupBrier(TypedDict):
    cutoff: float
    n: int
    before: float
    after: float
    difference_standard_error: float | None  # None for fewer than 2 students


class GroupCoverageSection(TypedDict):
    """training/evaluation/group_coverage.py: the interval by group, before and after."""

    label: str
    level: float
    min_cell_size: int
    predictions: int
    repeats: int
    overall: dict[str, CoverageFigures]  # "before", "after"
    by_group: dict[str, dict[str, CoverageFigures]]  # group -> "before"/"after"
    by_group_and_length: dict[str, dict[int, CellCoverage]]
    brier_by_group: dict[str, GroupBrier]  # "overall" and each group
    targets: list[str]


class AdviceSections(TypedDict):
    risk_calibration: RiskSection
    fairness: FairnessSection
    group_coverage: NotRequired[GroupCoverageSection]


class EvaluationReport(TypedDict):
    """report.json: `summarise` writes the accuracy part, `evaluate` adds the rest."""

    data: DataSection
    target: str
    per_length_baseline: str
    folds: int
    repeats: int
    fold_seed: int
    hyperparameters: dict[str, int | float | bool]
    seed_split: dict[str, SplitScores]  # by model name
    cross_validation: dict[str, dict[str, MeanStd]]  # by model name, then score
    head_to_head: dict[str, PairedComparison]  # by model name, against the project's
    interval: IntervalSection
    project_by_history_length: dict[int, LengthSummary]
    risk_calibration: NotRequired[RiskSection]
    fairness: NotRequired[FairnessSection]
    group_coverage: NotRequired[GroupCoverageSection]
    # The road to graduation (training/evaluation/path_summary.py).
    path: NotRequired[dict[str, Any]]
    # The feature and audit columns (training/evaluation/feature_summary.py, #28).
    features: NotRequired[dict[str, Any]]
    seconds: NotRequired[float]
