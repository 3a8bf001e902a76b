"""What every grades-file layout shares: opening the CSV, and turning one cell into a value.

A layout (`training.data.wide`, `training.data.long`) decides which cells belong to which
student and term; the rules for reading a file and a cell are here, once, so that every
layout reads the same messy spellings the same way: the delimiter sniffed from the header
(`,` `;` or tab) unless given, quoted numbers (`"5"`) read as numbers, UTF-8 with or without a
byte-order mark (another encoding only when `--encoding` says so). Every problem raises
`DataError`, whose message names the file, the 1-based line of the file and the column, so the
command line can print one line instead of a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MISSING = {"", "na", "n/a", "nan", "none", "null", "-"}
_GENDERS = {"male": "male", "m": "male", "female": "female", "f": "female"}
_SNIFFED = (",", ";", "\t")
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab"}


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
    delimiter: str

    def position_of(self, wanted: str) -> int | None:
        """Where a column is, matched like `normalise_name`; None when absent."""
        wanted = normalise_name(wanted)
        return self.names.index(wanted) if wanted in self.names else None

    def require(self, wanted: str, option: str) -> int:
        """Where a column named on the command line is; DataError when the file lacks it."""
        position = self.position_of(wanted)
        if position is None:
            found = ", ".join(repr(name.strip()) for name in self.header)
            raise DataError(
                self.path, 1, wanted, f"no such column (from {option}); the header has {found}"
            )
        return position


def read_csv(path: Path, delimiter: str | None = None, encoding: str = "utf-8") -> CsvFile:
    """Read and decode the whole file and parse its header; raises DataError."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(path, None, None, f"cannot read file: {error.strerror}") from None
    text = _decode(path, raw, encoding)
    if not text.strip():
        raise DataError(path, None, None, "file is empty")
    chosen = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=chosen)
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):  # blank lines before the header
            header = next(reader)
    except csv.Error as error:
        raise DataError(path, reader.line_num, None, f"not a CSV header: {error}") from None
    except StopIteration:
        raise DataError(path, None, None, "file has no header, only empty cells") from None
    names = [normalise_name(name) for name in header]
    return CsvFile(path, header, names, _rows(path, len(header), reader, chosen), chosen)


def sniff_delimiter(text: str) -> str:
    """The one of `,` `;` tab that splits the header line most often (outside quotes);
    `,` when none does (a one-column file)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {candidate: unquoted.count(candidate) for candidate in _SNIFFED}
    best = max(_SNIFFED, key=lambda candidate: counts[candidate])  # ties: the first, ","
    return best if counts[best] else ","


def _rows(path: Path, width: int, reader: Any, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Blank lines are not rows; a row with another number of fields than the header is an
    error, and so is anything the csv module cannot parse. Cells come trimmed, and without
    the quotes the csv module leaves on a quoted field with spaces around it (`; "5" ;`)."""
    try:
        for row in reader:
            row = [_unquoted(cell) for cell in row]
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                problem = (
                    f"row has {len(row)} fields, the header has {width} "
                    f"(delimiter {_DELIMITER_NAMES[delimiter]}; --delimiter chooses another)"
                )
                raise DataError(path, reader.line_num, None, problem)
            yield reader.line_num, row
    except csv.Error as error:
        raise DataError(path, reader.line_num, None, f"malformed CSV: {error}") from None


def _unquoted(cell: str) -> str:
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        return cell[1:-1].strip()
    return cell


def _decode(path: Path, raw: bytes, encoding: str) -> str:
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise DataError(path, None, None, f"unknown --encoding {encoding!r}") from None
    # UTF-8 files from spreadsheets often start with a byte-order mark; accept it.
    name = "utf-8-sig" if codec.name == "utf-8" else codec.name
    try:
        text = raw.decode(name)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(
            path,
            line,
            None,
            f"file is not {encoding} text (byte {raw[error.start]:#04x}); "
            "pass --encoding with the file's encoding, e.g. --encoding latin-1",
        ) from None
    return text.removeprefix("\ufeff")


def normalise_name(name: str) -> str:
    """Column names with stray spaces or odd case compare equal."""
    return re.sub(r"\s+", " ", name.strip().lower())


def is_missing(text: str) -> bool:
    return text.strip().lower() in _MISSING


# A decimal number as people write one. Python's float() also takes "1_0" (as 10) and "inf",
# which no grade file means; the page's reader (app/static/csv.js) refuses them too.
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def parse_grade(
    path: Path, line: int, column: str, text: str, scale: tuple[float, float]
) -> float | None:
    """A grade on the scale, None for a blank or a missing marker; raises DataError."""
    if is_missing(text):
        return None
    if not _DECIMAL.fullmatch(text.strip()):
        raise DataError(path, line, column, f"grade {text.strip()!r} is not a number")
    grade = float(text)
    low, high = scale
    if not math.isfinite(grade) or not low <= grade <= high:
        raise DataError(
            path, line, column, f"grade {grade:g} is outside [{low:g}, {high:g}] (--scale)"
        )
    return grade


def parse_number(text: str) -> float | None:
    """A finite decimal number as people write one, else None (for detecting a column's kind)."""
    if not _DECIMAL.fullmatch(text.strip()):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def parse_code(text: str) -> int | None:
    """Integer codes, also as spreadsheets sometimes wrote them ("17020.0"); None otherwise."""
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value == int(value) else None


def parse_gender(text: str) -> str:
    """Male/M/Female/F in any case -> "male" or "female"; anything else -> "unknown"."""
    return _GENDERS.get(text.strip().lower(), "unknown")
