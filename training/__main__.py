"""Command line: `python -m training train ...` and `python -m training evaluate ...`."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from training.config import add_config_arguments, config_from_arguments
from training.data import DataError


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    config = config_from_arguments(arguments)
    # Imported here so `--help` stays fast (the pipeline pulls in torch and scikit-learn).
    from training import pipeline

    try:
        if arguments.command == "train":
            words = argv if argv is not None else sys.argv[1:]
            command = "python -m training " + shlex.join(words)
            pipeline.train(arguments.data, arguments.out, config, command=command, log=print)
        else:
            pipeline.evaluate(
                arguments.data,
                arguments.report,
                config,
                folds=arguments.folds,
                repeats=arguments.repeats,
                log=print,
            )
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
