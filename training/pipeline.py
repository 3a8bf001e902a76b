"""The two jobs of `python -m training`, start to finish: `train` and `evaluate`.

Each reads the grades file, runs the steps in order and writes its outputs; `log` receives
the few lines a person watching wants (the load summary, the result), so the command line
decides where they go. Errors in the data surface as `training.data.DataError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from app.model.card import GroupSpec, ModelCard
from training.config import TrainingConfig
from training.data import (
    DataOptions,
    StudentTable,
    grade_statistics_by_position,
    load_students,
    max_history,
)
from training.data.store import StoreSource
from training.evaluation.advice import advice_sections, card_summaries, chosen_cutoffs
from training.evaluation.baselines import GROUP_BASELINE
from training.evaluation.feature_baselines import feature_baselines
from training.evaluation.feature_summary import feature_section
from training.evaluation.path_summary import final_cutoffs, summarise_path
from training.evaluation.report_types import EvaluationReport
from training.evaluation.results import PROJECT_MODEL, SplitResult
from training.evaluation.scores import Evaluation, per_length_metrics, split_metrics, summarise
from training.evaluation.splits import cross_validation_ids, evaluate_split, seed_split_ids
from training.export.checkpoint import export
from training.export.serving_module import compact_module
from training.model.blend import network_share_by_length
from training.model.fit import seed_everything, train_project_model
from training.model.path_calibrate import fit_path
from training.report.advice_plots import write_advice_plots
from training.report.feature_text import feature_lines
from training.report.plots import write_plots
from training.report.text import json_text, markdown, terminal_table

Log = Callable[[str], None]


def train(
    data_path: Path,
    out_dir: Path,
    config: TrainingConfig,
    *,
    command: str,
    log: Log,
    options: DataOptions | None = None,
    risk_below: Sequence[float] | None = None,
    source: StoreSource | None = None,
) -> ModelCard:
    """Score every model on the seed split, fit on every student, write checkpoint + card.
    `source`: the data is a store's export (`--database`), and the card says which store."""
    started = time.perf_counter()
    seed_everything(config.seed)
    table = load_students(data_path, options)
    log(table.summary())
    history_limit = max_history(table)
    cutoffs = chosen_cutoffs(table, history_limit, risk_below)

    # The honest numbers for the card: the notebook's seed split, every model on the same rows.
    test_ids = seed_split_ids(table)
    seed_result = evaluate_split(table, test_ids, history_limit, config)
    seed_scores = split_metrics(seed_result)
    # Risk calibration and fairness on the same split (training.evaluation.advice).
    advice = card_summaries(
        advice_sections(table, [test_ids], [seed_result], history_limit, cutoffs)
    )

    final_started = time.perf_counter()
    fit, calibration = train_project_model(
        table, list(range(len(table.students))), history_limit, config, progress=True
    )
    path = fit_path(table, list(range(len(table.students))), fit, config)
    final_seconds = time.perf_counter() - final_started
    metrics: dict[str, Any] = {
        "seed_split": {
            "description": "train_test_split(test_size=0.2, random_state=42) of the students "
            f"with the longest history; grades 1..{history_limit} -> {history_limit + 1}; "
            "identical rows for every model",
            "test_size": len(test_ids),
            "models": seed_scores,
        },
        "final_fit": {
            "students": len(table.students),
            "train_seconds": final_seconds,
            "stopped_epochs": fit.stopped_epochs,
            # Per history length, the network's share against plain linear regression
            # with the group one-hot (0: the regression alone; training/model/blend.py).
            "network_share_by_length": network_share_by_length(fit.network),
            "calibration_size_by_length": calibration.size_by_length,
            # The (length, group) cells below min_cell_size: their students get the pooled
            # interval and risk (the cells that are their own are in `interval.group_cells`).
            "pooled_cells": [
                {"length": length, "group": table.groups[index], "size": size}
                for (length, index), size in sorted(calibration.size_by_cell.items())
                if (length, index) not in calibration.cells
            ],
        },
        "data_summary": table.summary(),
        **({"data_source": source.as_dict()} if source is not None else {}),
        **advice,  # "risk_calibration", "fairness": GET /model shows them
    }
    ranges, means = grade_statistics_by_position(table, history_limit)
    card = export(
        compact_module(fit.network, path.regression),
        out_dir,
        data_path=data_path,
        seed=config.seed,
        hyperparameters=config.as_dict(),
        scale=table.scale,
        term_count=table.term_count,
        group=group_spec(table),
        max_history=history_limit,
        grade_ranges=ranges,
        grade_means=means,
        calibration=calibration,
        path=path,
        metrics=metrics,
        training_command=command,
        data_name=f"store {source.database}" if source is not None else None,
        data_sha256=source.sha256 if source is not None else None,
    )
    project = seed_scores[PROJECT_MODEL]
    log(
        f"wrote {out_dir / card.checkpoint_file} ({card.model_version}) in "
        f"{time.perf_counter() - started:.1f} s (final fit {final_seconds:.1f} s); seed split: "
        f"RNN MSE {project['mse']:.3f} vs linear regression "
        f"{seed_scores['linear regression']['mse']:.3f}, + {table.group_label} "
        f"{seed_scores[GROUP_BASELINE]['mse']:.3f}, notebook RNN "
        f"{seed_scores['notebook RNN']['mse']:.3f}; {config.interval_level:.0%} interval "
        f"coverage {project['coverage']:.2f}, mean width {project['mean_width']:.2f}"
    )
    return card


def group_spec(table: StudentTable) -> GroupSpec:
    return GroupSpec(column=table.group_column, label=table.group_label, codes=table.groups)


def evaluate(
    data_path: Path,
    report_dir: Path,
    config: TrainingConfig,
    *,
    folds: int,
    repeats: int,
    log: Log,
    options: DataOptions | None = None,
    risk_below: Sequence[float] | None = None,
) -> EvaluationReport:
    """Every model on the seed split and on repeated k-fold splits; write the report files:
    report.json, report.md and the PNG plots."""
    table = load_students(data_path, options)
    log(table.summary())
    seed_everything(config.seed)
    history = max_history(table)
    cutoffs = chosen_cutoffs(table, history, risk_below)
    started = time.perf_counter()
    splits = list(cross_validation_ids(table, folds, repeats, config.seed))
    seed_split = split_metrics(evaluate_split(table, seed_split_ids(table), history, config))

    path_cutoffs = final_cutoffs(table, history)
    with_features = feature_baselines(table) if options and options.feature_columns else None
    results: list[SplitResult] = []
    for test_ids in tqdm(splits, desc="folds", unit="fold"):
        results.append(
            evaluate_split(table, test_ids, history, config, path_cutoffs, with_features)
        )
    evaluation = Evaluation(
        seed_split=seed_split,
        folds=[split_metrics(result) for result in results],
        fold_lengths=[per_length_metrics(result) for result in results],
        first_repeat=results[:folds],
        all_results=results,
    )
    report = summarise(evaluation, table, config, folds, repeats, history)
    advice = advice_sections(
        table,
        splits,
        results,
        history,
        cutoffs,
        repeats,
        calibration=(config.interval_level, config.min_cell_size),
    )
    report["risk_calibration"] = advice["risk_calibration"]
    report["fairness"] = advice["fairness"]
    if "group_coverage" in advice:
        report["group_coverage"] = advice["group_coverage"]
    report["path"] = summarise_path([r.path for r in results if r.path is not None], repeats)
    if table.extra_columns:
        report["features"] = feature_section(table, splits, results, history, repeats)
    report["seconds"] = time.perf_counter() - started

    report_dir.mkdir(parents=True, exist_ok=True)
    table_text = terminal_table(report)
    log(table_text)
    log("\n".join(["road to graduation:", *report["path"]["verdicts"]]))
    features = feature_lines(report)
    if features:
        log("\n".join(features))
    (report_dir / "report.json").write_text(json_text(report), encoding="utf-8")
    text = markdown(report, table_text) + "\n".join(["", *features])
    (report_dir / "report.md").write_text(text, encoding="utf-8")
    write_plots(evaluation.first_repeat, evaluation.folds, report, report_dir)
    plots = 3 + len(write_advice_plots(report, report_dir))
    log(f"report written to {report_dir}/ (report.json, report.md, {plots} PNG plots)")
    return report
