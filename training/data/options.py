"""What the command line says about a grades file: its layout, scale, columns and encoding."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from training.data.reading import normalise_name

DEFAULT_SCALE = (0.0, 10.0)
DEFAULT_GROUP_COLUMN = "College Code"
# `--delimiter` spellings; a tab is hard to type on a command line.
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t"}


@dataclass(frozen=True)
class DataOptions:
    """How to read one grades file. The defaults read the shared Kaggle file."""

    scale: tuple[float, float] = DEFAULT_SCALE
    # Wide files: the term columns, oldest first; None = find ordinal headers (1st, Sem 1...).
    grade_columns: tuple[str, ...] | None = None
    # None = DEFAULT_GROUP_COLUMN when the file has it; ignored with no_group.
    group_column: str | None = None
    no_group: bool = False
    # Long files (one row per student and term): all three, or none for a wide file.
    student_column: str | None = None
    term_column: str | None = None
    grade_column: str | None = None
    delimiter: str | None = None  # None = sniffed from the header (`,` `;` or tab)
    encoding: str = "utf-8"  # UTF-8 may start with a byte-order mark
    # Static student columns (#28, training/data/features.py): features a model may learn
    # from, and audit columns the fairness table reports by, never a model's input.
    feature_columns: tuple[str, ...] = ()
    audit_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        low, high = self.scale
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"scale {low:g}:{high:g} must have LOW below HIGH")
        long_columns = [self.student_column, self.term_column, self.grade_column]
        if any(long_columns) and not all(long_columns):
            raise ValueError(
                "a long file needs all three of --student-column, --term-column, --grade-column"
            )
        if all(long_columns) and self.grade_columns is not None:
            raise ValueError("--grade-columns is for wide files; a long file has --grade-column")
        audited = {normalise_name(name) for name in self.audit_columns}
        for name in self.feature_columns:
            if normalise_name(name) in audited:
                raise ValueError(
                    f"column {name!r} is in both --feature-columns and --audit-columns; a "
                    "column is a feature or an audit column, not both"
                )

    @property
    def is_long(self) -> bool:
        return self.student_column is not None


def parse_scale(text: str) -> tuple[float, float]:
    """Parse "0:10" -> (0.0, 10.0); raises ValueError with the expected form."""
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(f"scale {text!r} is not LOW:HIGH, e.g. 0:10 or 0:4") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"scale {text!r} must have LOW below HIGH")
    return low, high


def parse_delimiter(text: str) -> str:
    if text not in DELIMITERS:
        raise ValueError(f"delimiter {text!r} is not one of ',', ';', 'tab'")
    return DELIMITERS[text]


def parse_column_list(text: str) -> tuple[str, ...]:
    """Parse "G1,G2,G3" -> ("G1", "G2", "G3"); names match like headers (case, spaces)."""
    names = tuple(name.strip() for name in text.split(","))
    if len(names) < 2 or not all(names):
        raise ValueError(f"--grade-columns {text!r} must name at least two columns, A,B,...")
    return names


def parse_name_list(option: str) -> Callable[[str], tuple[str, ...]]:
    """The parser of `option`'s "A,B,C": one name or more, none blank."""

    def parse(text: str) -> tuple[str, ...]:
        names = tuple(name.strip() for name in text.split(","))
        if not all(names):
            raise ValueError(f"{option} {text!r} must name one column or more, A,B,...")
        return names

    return parse
