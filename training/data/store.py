"""The service's store as training data (`--database URL`): read as a long export.

Each student's history is the grades of their latest recorded forecast (the semesters before
the one it forecast), followed by the real grades (outcomes) of that semester and after; the
long reader (`training.data.long`) then reads it like any registrar export, so a missing
semester cuts a history there. A student with outcomes but no forecast has no earlier grades
to start from and is left out (counted). The group is the latest forecast's.

Students are the store's keys (HMAC of the id): training never needs, nor sees, a raw id. The
tables are read with plain SQL (training does not import the service), and the rows read are
hashed, so the card can say exactly what it was trained on.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from training.data.options import DataOptions
from training.data.reading import DataError

EXPORT_NAME = "store-export.csv"
# The export's columns, as the long reader is told to find them.
STUDENT, TERM, GRADE, GROUP = "student", "term", "grade", "group"
LATEST_FORECASTS = sa.text(
    "SELECT student_key, semester, grades, group_code, created_at, id FROM forecasts "
    "ORDER BY student_key, created_at, id"
)
OUTCOMES = sa.text(
    "SELECT student_key, semester, grade FROM outcomes ORDER BY student_key, semester"
)


@dataclass(frozen=True)
class StoreSource:
    """What the card records of a store it was trained on."""

    database: str  # the URL without its password
    forecasts_read: int
    outcomes_read: int
    students: int
    without_forecast: int  # students with outcomes but no forecast: left out
    sha256: str  # of the rows read, in the order read

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "forecasts_read": self.forecasts_read,
            "outcomes_read": self.outcomes_read,
            "rows_read": self.forecasts_read + self.outcomes_read,
            "students": self.students,
            "students_without_forecast": self.without_forecast,
            "rows_sha256": self.sha256,
        }


def store_options(scale: tuple[float, float], has_groups: bool) -> DataOptions:
    return DataOptions(
        scale=scale,
        student_column=STUDENT,
        term_column=TERM,
        grade_column=GRADE,
        group_column=GROUP if has_groups else None,
        no_group=not has_groups,
    )


def export_store(url: str, folder: Path) -> tuple[Path, StoreSource, bool]:
    """Reads the store at `url` and writes its histories as a long CSV in `folder`; returns
    the file, the source for the card, and whether any student has a group."""
    try:
        engine = sa.create_engine(_driver_url(url))
    except sa.exc.ArgumentError as error:
        raise DataError(url, None, None, f"not a database URL: {error}") from None
    digest = hashlib.sha256()
    try:
        with engine.connect() as connection:
            forecasts = list(connection.execute(LATEST_FORECASTS))
            outcomes = list(connection.execute(OUTCOMES))
    except sa.exc.SQLAlchemyError as error:
        raise DataError(_shown(url), None, None, f"cannot read the store: {error}") from None
    finally:
        engine.dispose()
    latest: dict[str, Any] = {}
    for row in forecasts:
        _hash_row(digest, row)
        latest[row.student_key] = row  # ordered by time: the last one wins
    later: dict[str, dict[int, float]] = {}
    for row in outcomes:
        _hash_row(digest, row)
        later.setdefault(row.student_key, {})[int(row.semester)] = float(row.grade)
    rows = list(_history_rows(latest, later))
    path = folder / EXPORT_NAME
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([STUDENT, TERM, GRADE, GROUP])
        writer.writerows(rows)
    source = StoreSource(
        database=_shown(url),
        forecasts_read=len(forecasts),
        outcomes_read=len(outcomes),
        students=len(latest),
        without_forecast=len(set(later) - set(latest)),
        sha256=digest.hexdigest(),
    )
    return path, source, any(row[3] != "" for row in rows)


def _history_rows(
    latest: dict[str, Any], later: dict[str, dict[int, float]]
) -> Iterable[tuple[str, int, float, str]]:
    for student_key in sorted(latest):
        forecast = latest[student_key]
        grades = (
            forecast.grades if isinstance(forecast.grades, list) else json.loads(forecast.grades)
        )
        group = "" if forecast.group_code is None else str(forecast.group_code)
        for term, grade in enumerate(grades, start=1):
            yield student_key, term, float(grade), group
        for term, grade in sorted(later.get(student_key, {}).items()):
            if term > len(grades):
                yield student_key, term, grade, group


def _hash_row(digest: Any, row: sa.Row[Any]) -> None:
    values = [value.isoformat() if hasattr(value, "isoformat") else value for value in row]
    digest.update(json.dumps(values, sort_keys=True, default=str).encode() + b"\n")


def _driver_url(url: str) -> sa.URL:
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def _shown(url: str) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(not a database URL)"
