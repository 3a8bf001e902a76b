"""What every grades-file layout shares: opening the CSV, and turning one cell into a value.

A layout (today only the wide one, `training.data.wide`) decides which cells belong to which
student and semester; the rules for reading a file and a cell are here, once, so that a
layout reads the same messy spellings the same way. Every problem raises `DataError`, whose
message names the file, the 1-based line of the file and the column, so the command line
can print one line instead of a traceback.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GRADE_MIN = 0.0
GRADE_MAX = 10.0

_MISSING = {"", "na", "n/a", "nan", "none", "null", "-"}
_GENDERS = {"male": "male", "m": "male", "female": "female", "f": "female"}


class DataError(ValueError):
    """A file that cannot be used, with the file, line and column that show why."""

    def __init__(self, path: Path | str, line: int | None, column: str | None, problem: str):
        where = [str(path)]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}")
        self.path = str(path)
        self.line = line
        self.column = column


@dataclass
class CsvFile:
    """A decoded CSV: its header, and its data rows, read lazily."""

    path: Path
    header: list[str]
    names: list[str]  # the header normalised: trimmed, lower case, single spaces
    rows: Iterator[tuple[int, list[str]]]  # (line of the file, cells) of each non-blank row

    def position_of(self, wanted: str) -> int | None:
        return self.names.index(wanted) if wanted in self.names else None


def read_csv(path: Path) -> CsvFile:
    """Read and decode the whole file and parse its header; raises DataError."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(path, None, None, f"cannot read file: {error.strerror}") from None
    text = _decode(path, raw)
    if not text.strip():
        raise DataError(path, None, None, "file is empty")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as error:
        raise DataError(path, 1, None, f"not a CSV header: {error}") from None
    names = [normalise_name(name) for name in header]
    return CsvFile(path, header, names, _rows(path, len(header), reader))


def _rows(path: Path, width: int, reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Blank lines are not rows; a row with another number of fields than the header is an
    error, and so is anything the csv module cannot parse."""
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                problem = f"row has {len(row)} fields, the header has {width}"
                raise DataError(path, reader.line_num, None, problem)
            yield reader.line_num, row
    except csv.Error as error:
        raise DataError(path, reader.line_num, None, f"malformed CSV: {error}") from None


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(path, line, None, "file is not UTF-8 text (wrong encoding?)") from None


def normalise_name(name: str) -> str:
    """Column names with stray spaces or odd case compare equal."""
    return re.sub(r"\s+", " ", name.strip().lower())


def is_missing(text: str) -> bool:
    return text.strip().lower() in _MISSING


def parse_grade(path: Path, line: int, column: str, text: str) -> float | None:
    """A grade on the 0-10 scale, None for a blank or a missing marker; raises DataError."""
    if is_missing(text):
        return None
    try:
        grade = float(text)
    except ValueError:
        raise DataError(path, line, column, f"grade {text.strip()!r} is not a number") from None
    if not math.isfinite(grade) or not GRADE_MIN <= grade <= GRADE_MAX:
        raise DataError(path, line, column, f"grade {grade} is outside [0, 10]")
    return grade


def parse_code(text: str) -> int | None:
    """Integer codes that spreadsheets sometimes wrote as floats ("17020.0")."""
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value == int(value) else None


def parse_gender(text: str) -> str:
    """Male/M/Female/F in any case -> "male" or "female"; anything else -> "unknown"."""
    return _GENDERS.get(text.strip().lower(), "unknown")
