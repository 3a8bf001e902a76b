"""Static student columns beside the grades (#28): features and audit columns.

`--feature-columns A,B` names columns a model may learn from; `--audit-columns sex,...` names
columns the fairness table reports by and no model ever sees (sensitive attributes are never
features by default). Both are per student: a wide file has one row per student; in a long
export every row of a student must carry the same value (a blank on some rows is filled from
the others; two different values is an error naming both lines).

Each column's kind is detected from the data: numeric when every present value is a number
as people write one, otherwise categorical (text such as `yes`/`no` or programme types).
Audit columns are always categorical: they name groups. A missing value (blank, `NA`, ...)
is kept as None here; how a model fills it is the evaluation's business
(`training.evaluation.feature_encoding`: a missing indicator and the training rows' mean for
a numeric column, a category of its own for a categorical one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from training.data.options import DataOptions
from training.data.reading import CsvFile, DataError, is_missing, parse_number

Role = Literal["feature", "audit"]
Kind = Literal["numeric", "categorical"]
FEATURE: Role = "feature"
AUDIT: Role = "audit"
OPTION: dict[Role, str] = {FEATURE: "--feature-columns", AUDIT: "--audit-columns"}


@dataclass(frozen=True)
class ExtraColumn:
    """One feature or audit column as found in the data."""

    name: str  # as written in the header
    role: Role
    kind: Kind
    categories: tuple[str, ...]  # categorical: the values seen, sorted; numeric: ()
    low: float | None  # numeric: the range seen; None when no value is present
    high: float | None
    missing: int  # students without a value

    def describe(self) -> str:
        if self.kind == "numeric":
            seen = "no values" if self.low is None else f"{self.low:g}..{self.high:g}"
        else:
            shown = ", ".join(self.categories[:8])
            more = f", ... ({len(self.categories)} in all)" if len(self.categories) > 8 else ""
            seen = "{" + shown + more + "}"
        return f"{self.name} {self.kind} {seen}, {self.missing} missing"

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "role": self.role,
            "kind": self.kind,
            "categories": list(self.categories),
            "low": self.low,
            "high": self.high,
            "missing": self.missing,
        }


@dataclass(frozen=True)
class ExtraPosition:
    at: int  # position in a row
    name: str  # header name
    role: Role


def extra_positions(
    file: CsvFile, options: DataOptions, reserved: dict[int, str]
) -> list[ExtraPosition]:
    """Where each feature and audit column is. `reserved`: position -> what the column
    already is (grade, group, student, term); such a column cannot be a feature too."""
    chosen: dict[int, ExtraPosition] = {}
    for role, names in ((FEATURE, options.feature_columns), (AUDIT, options.audit_columns)):
        for wanted in names:
            at = file.require(wanted, OPTION[role])
            name = file.header[at].strip()
            if at in reserved:
                raise DataError(
                    file.path,
                    1,
                    name,
                    f"is the {reserved[at]} column; it cannot also be in {OPTION[role]}",
                )
            if at in chosen:
                earlier = chosen[at].role
                where = (
                    f"in {OPTION[role]}"
                    if earlier == role
                    else f"in {OPTION[earlier]} and {OPTION[role]}; a column is a feature or "
                    "an audit column, not both"
                )
                raise DataError(file.path, 1, name, f"named twice {where}")
            chosen[at] = ExtraPosition(at, name, role)
    return list(chosen.values())


def cell_value(text: str) -> str | None:
    return None if is_missing(text) else text.strip()


def same_value(first: str, second: str) -> bool:
    """ "5" and "5.0" are one value; text compares as written (trimmed)."""
    a, b = parse_number(first), parse_number(second)
    return a == b if a is not None and b is not None else first == second


def describe_columns(
    positions: Sequence[ExtraPosition], values: Sequence[Sequence[str | None]]
) -> list[ExtraColumn]:
    """Each column's kind, range or categories and missing count; `values` has one tuple a
    student, in the order of `positions`."""
    columns = []
    for index, position in enumerate(positions):
        present = [row[index] for row in values if row[index] is not None]
        missing = len(values) - len(present)
        numbers = [parse_number(text) for text in present if text is not None]
        if position.role == FEATURE and all(number is not None for number in numbers):
            found = [number for number in numbers if number is not None]
            columns.append(
                ExtraColumn(
                    position.name,
                    position.role,
                    "numeric",
                    (),
                    min(found) if found else None,
                    max(found) if found else None,
                    missing,
                )
            )
        else:
            categories = tuple(sorted({text for text in present if text is not None}))
            columns.append(
                ExtraColumn(
                    position.name, position.role, "categorical", categories, None, None, missing
                )
            )
    return columns


def summary(columns: Sequence[ExtraColumn]) -> str:
    """The load summary's part: "; features: ...; audit: ..." (empty without columns)."""
    parts = []
    for role, label in ((FEATURE, "features"), (AUDIT, "audit columns")):
        chosen = [column.describe() for column in columns if column.role == role]
        if chosen:
            parts.append(f"{label}: " + "; ".join(chosen))
    return "".join(f"; {part}" for part in parts)
