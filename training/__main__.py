"""Command line: `python -m training train ...` and `python -m training evaluate ...`."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from training.config import TrainingConfig, add_config_arguments, config_from_arguments
from training.data import DataError, load_students, max_history


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    config = config_from_arguments(arguments)
    try:
        if arguments.command == "train":
            return _train(arguments, config, argv)
        return _evaluate(arguments, config)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train and write the checkpoint + model card")
    train.add_argument("--data", type=Path, required=True, help="student grades CSV")
    train.add_argument("--out", type=Path, required=True, help="folder for cgpa_rnn.pt/.json")
    add_config_arguments(train)

    evaluate = commands.add_parser("evaluate", help="cross-validate against the baselines")
    evaluate.add_argument("--data", type=Path, required=True, help="student grades CSV")
    evaluate.add_argument("--folds", type=int, default=5)
    evaluate.add_argument("--repeats", type=int, default=5)
    evaluate.add_argument("--report", type=Path, default=Path("reports/eval"))
    add_config_arguments(evaluate)
    return parser


def _train(arguments: argparse.Namespace, config: TrainingConfig, argv: list[str] | None) -> int:
    # Imported here so `--help` and data errors stay fast.
    from training.evaluate import (
        PROJECT_MODEL,
        evaluate_split,
        seed_split_ids,
        split_metrics,
        train_project_model,
    )
    from training.export import export
    from training.fit import seed_everything
    from training.network_export import compact_module

    started = time.perf_counter()
    seed_everything(config.seed)
    table = load_students(arguments.data)
    print(table.summary())
    history_limit = max_history(table)

    # The honest numbers for the card: the notebook's seed split, every model on the same rows.
    train_ids, test_ids = seed_split_ids(table)
    seed_scores = split_metrics(evaluate_split(table, train_ids, test_ids, history_limit, config))

    final_started = time.perf_counter()
    fit, calibration = train_project_model(
        table, list(range(len(table.students))), history_limit, config, progress=True
    )
    final_seconds = time.perf_counter() - final_started
    metrics: dict[str, Any] = {
        "seed_split": {
            "description": "train_test_split(test_size=0.2, random_state=42) of the complete "
            f"students; grades 1..{history_limit} -> {history_limit + 1}; identical rows for "
            "every model",
            "test_size": len(test_ids),
            "models": seed_scores,
        },
        "final_fit": {
            "students": len(table.students),
            "train_seconds": final_seconds,
            "stopped_epochs": fit.stopped_epochs,
            "calibration_size_by_length": calibration.size_by_length,
        },
        "data_summary": table.summary(),
    }
    command = "python -m training " + shlex.join(argv if argv is not None else sys.argv[1:])
    card = export(
        compact_module(fit.network),
        arguments.out,
        data_path=arguments.data,
        seed=config.seed,
        hyperparameters=config.as_dict(),
        known_colleges=table.colleges,
        max_history=history_limit,
        calibration=calibration,
        metrics=metrics,
        training_command=command,
    )
    project = seed_scores[PROJECT_MODEL]
    print(
        f"wrote {arguments.out / card.checkpoint_file} ({card.model_version}) in "
        f"{time.perf_counter() - started:.1f} s (final fit {final_seconds:.1f} s); seed split: "
        f"RNN MSE {project['mse']:.3f} vs linear regression "
        f"{seed_scores['linear regression']['mse']:.3f}, + college "
        f"{seed_scores['linear regression + college']['mse']:.3f}, notebook RNN "
        f"{seed_scores['notebook RNN']['mse']:.3f}; 90% interval coverage "
        f"{project['coverage']:.2f}, mean width {project['mean_width']:.2f}"
    )
    return 0


def _evaluate(arguments: argparse.Namespace, config: TrainingConfig) -> int:
    from training.report import run_evaluation

    table = load_students(arguments.data)
    print(table.summary())
    run_evaluation(table, config, arguments.folds, arguments.repeats, arguments.report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
