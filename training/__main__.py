"""Command line: `python -m training train ...` and `python -m training evaluate ...`.

Both read any institution's grades file: a wide one (a row per student, a column per term)
or a long one (a row per student and term, with --student-column, --term-column and
--grade-column), on any grade scale (--scale); or, with --database URL, what the service
recorded (training/data/store.py).
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from training.config import add_config_arguments, config_from_arguments
from training.data import DataError, DataOptions
from training.data.options import (
    DEFAULT_GROUP_COLUMN,
    parse_column_list,
    parse_delimiter,
    parse_name_list,
    parse_scale,
)
from training.data.store import StoreSource, export_store, store_options

T = TypeVar("T")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    config = config_from_arguments(arguments)
    options = data_options(parser, arguments)
    refuse_unused_columns(parser, arguments, options)
    # `--risk-below 6.5 7,7.5`: every word may be a comma list.
    risk_below = [cutoff for words in arguments.risk_below or [] for cutoff in words]
    # Imported here so `--help` stays fast (the pipeline pulls in torch and scikit-learn).
    from training import pipeline

    try:
        with data_file(arguments, options) as (data, options, source):
            if arguments.command == "train":
                words = argv if argv is not None else sys.argv[1:]
                command = "python -m training " + shlex.join(words)
                pipeline.train(
                    data,
                    arguments.out,
                    config,
                    command=command,
                    log=print,
                    options=options,
                    risk_below=risk_below,
                    source=source,
                )
            else:
                pipeline.evaluate(
                    data,
                    arguments.report,
                    config,
                    folds=arguments.folds,
                    repeats=arguments.repeats,
                    log=print,
                    options=options,
                    risk_below=risk_below,
                )
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


@contextmanager
def data_file(
    arguments: argparse.Namespace, options: DataOptions
) -> Iterator[tuple[Path, DataOptions, StoreSource | None]]:
    """The file to read: --data as given, or the store's export in a temporary folder (gone
    afterwards: it holds every recorded grade)."""
    if arguments.database is None:
        yield arguments.data, options, None
        return
    with tempfile.TemporaryDirectory(prefix="cgpa-store-") as folder:
        path, source, has_groups = export_store(arguments.database, Path(folder))
        print(
            f"store {source.database}: {source.forecasts_read} forecasts and "
            f"{source.outcomes_read} outcomes read (sha256 {source.sha256[:12]}), "
            f"{source.students} students with a forecast, {source.without_forecast} with "
            "outcomes only (left out)"
        )
        yield path, store_options(options.scale, has_groups), source


def data_options(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> DataOptions:
    """The data flags as DataOptions; a contradiction among them is a usage error (exit 2)."""
    try:
        return DataOptions(
            scale=arguments.scale,
            grade_columns=arguments.grade_columns,
            group_column=arguments.group_column,
            no_group=arguments.no_group,
            student_column=arguments.student_column,
            term_column=arguments.term_column,
            grade_column=arguments.grade_column,
            delimiter=arguments.delimiter,
            encoding=arguments.encoding,
            feature_columns=arguments.feature_columns or (),
            audit_columns=arguments.audit_columns or (),
        )
    except ValueError as error:
        parser.error(str(error))


FEATURES_NOT_SERVED = (
    "--feature-columns: the served model does not use features yet (issue #28); "
    "`python -m training evaluate --feature-columns ...` shows what they would buy"
)
# Refused rather than ignored: the card's fairness summary would not carry the audit columns,
# and a command that accepts a flag and does nothing with it misleads.
AUDIT_NOT_IN_CARD = (
    "--audit-columns: train's model card does not report by audit columns yet (issue #28); "
    "`python -m training evaluate --audit-columns ...` reports the fairness table by them"
)


def refuse_unused_columns(
    parser: argparse.ArgumentParser, arguments: argparse.Namespace, options: DataOptions
) -> None:
    """A usage error for the student columns a command would not use, so nobody trains a
    model believing it learnt from them."""
    if arguments.command == "train" and options.feature_columns:
        parser.error(FEATURES_NOT_SERVED)
    if arguments.command == "train" and options.audit_columns:
        parser.error(AUDIT_NOT_IN_CARD)
    if arguments.database is not None and (options.feature_columns or options.audit_columns):
        parser.error("--feature-columns/--audit-columns need --data: the store records grades only")


def _argument_type(parse: Callable[[str], T]) -> Callable[[str], T]:
    """A parse function whose ValueError argparse reports as a usage error, message kept."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return convert


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    data = parser.add_argument_group("the grades file")
    source = data.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, metavar="FILE", help="grades CSV")
    source.add_argument(
        "--database",
        metavar="URL",
        help="the service's store instead of a file (sqlite:///path or postgresql://...): "
        "each student's latest forecast's grades, then the real grades after it",
    )
    data.add_argument(
        "--scale",
        type=_argument_type(parse_scale),
        default=(0.0, 10.0),
        metavar="LOW:HIGH",
        help="the grade scale, e.g. 0:4, 0:5, 0:20, 0:100 (default: 0:10)",
    )
    data.add_argument(
        "--grade-columns",
        type=_argument_type(parse_column_list),
        metavar="A,B,C...",
        help="wide files: the term columns, oldest first (default: ordinal headers such as "
        "1st, 2nd / Sem 1 / Term 1 / T1)",
    )
    group = data.add_mutually_exclusive_group()
    group.add_argument(
        "--group-column",
        metavar="NAME",
        help=f"the college/programme/school column (default: {DEFAULT_GROUP_COLUMN!r} when "
        "present)",
    )
    group.add_argument("--no-group", action="store_true", help="use no group column")
    data.add_argument("--student-column", metavar="S", help="long files: the student id column")
    data.add_argument("--term-column", metavar="T", help="long files: the term column")
    data.add_argument("--grade-column", metavar="G", help="long files: the grade column")
    data.add_argument(
        "--delimiter",
        type=_argument_type(parse_delimiter),
        metavar="D",
        help="',', ';' or 'tab' (default: sniffed from the header)",
    )
    data.add_argument(
        "--feature-columns",
        type=_argument_type(parse_name_list("--feature-columns")),
        metavar="A,B,...",
        help="static student columns a model may learn from (numeric or categorical, "
        "detected); evaluate only: the served model does not use features yet",
    )
    data.add_argument(
        "--audit-columns",
        type=_argument_type(parse_name_list("--audit-columns")),
        metavar="A,B,...",
        help="columns the fairness table reports by, never a model's input (e.g. sex); "
        "evaluate only",
    )
    data.add_argument(
        "--encoding",
        default="utf-8",
        help="the file's text encoding (default: utf-8, with or without a byte-order mark)",
    )


def parse_cutoffs(text: str) -> list[float]:
    """One cut-off or a comma list of them, each a finite number."""
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"expected numbers such as 6.5 or 6.5,7.0, got {text!r}") from None
    if not values or not all(map(math.isfinite, values)):
        raise ValueError(f"expected finite numbers such as 6.5 or 6.5,7.0, got {text!r}")
    return values


def add_risk_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--risk-below",
        nargs="+",
        type=_argument_type(parse_cutoffs),
        metavar="C",
        help="cut-offs on the model's scale for the risk calibration and fairness scores, "
        "e.g. 6.5 7.0 or 6.5,7.0 (default: the 20th and 35th percentile of the target)",
    )


HYPERPARAMETERS = "hyperparameters (training/config.py; all saved in the model card)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m training",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train and write the checkpoint + model card")
    add_data_arguments(train)
    train.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder for cgpa_rnn.pt/.json"
    )
    add_risk_arguments(train)
    add_config_arguments(train.add_argument_group(HYPERPARAMETERS))

    evaluate = commands.add_parser("evaluate", help="cross-validate against the baselines")
    add_data_arguments(evaluate)
    evaluate.add_argument("--folds", type=int, default=5)
    evaluate.add_argument("--repeats", type=int, default=5)
    evaluate.add_argument("--report", type=Path, default=Path("reports/eval"))
    add_risk_arguments(evaluate)
    add_config_arguments(evaluate.add_argument_group(HYPERPARAMETERS))
    return parser


if __name__ == "__main__":
    sys.exit(main())
