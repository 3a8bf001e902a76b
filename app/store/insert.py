"""The forecast rows of a commit, built from what the requests hand over, and their INSERT: on
SQLite compiled once by SQLAlchemy Core for the dialect and run with the driver's executemany;
on PostgreSQL a COPY into the same columns.

Why the rows are built here, in the recorder's thread, and not by each request: the event
loop is the service's busiest part, and the forecast id, the student key (an HMAC), the
grades as JSON and the row itself were recording's largest cost on it (docs/performance.md,
Recording, third pass). A request hands over the values it answered (`Forecasts`) and gets
its forecast ids back with the commit.

Why not `connection.execute(forecasts.insert(), rows)`: SQLAlchemy then passes every value of
every row through its bind processors (JSON, DateTime, the parameter dict), which is most of
the time a 1000-student batch spends recording. Here the statement is still Core's (the
dialect's own SQL, types and casts), and the two values that need converting are converted
as SQLAlchemy would: the grades to JSON text, the time to the dialect's form, once per
request. `tests/app/store/test_recorder.py` reads rows back through SQLAlchemy on both
databases to keep the ways equal.

Why COPY on PostgreSQL: the rows travel as one stream instead of one bound statement each,
which made a group's insert and commit faster at 8 rows and at 1000 (docs/performance.md,
Recording). It runs in the caller's transaction, so the COMMIT that answers the requests is
the same durable one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.store.forecast_ids import new_forecast_ids
from app.store.schema import forecasts

COLUMNS = tuple(column.name for column in forecasts.c)
# The order `Forecasts.rows` builds a row in; COPY and the compiled INSERT take the same.
ROW_COLUMNS = (
    "id", "student_key", "semester", "grades", "group_code", "predicted", "interval_low",
    "interval_high", "interval_level", "risk_below", "risk_probability", "model_version",
    "created_at",
)  # fmt: skip
assert ROW_COLUMNS == COLUMNS, "forecasts' columns changed: change `rows_of` with them"


@dataclass(frozen=True, slots=True)
class Answered:
    """What one student was answered, as recorded (the answer's rounded values)."""

    semester: int
    predicted: float
    low: float
    high: float
    risk_below: float | None = None
    risk_probability: float | None = None


@dataclass(frozen=True, slots=True)
class Forecasts:
    """One request's students to record (only those with an id), as the request hands them
    over: the grades and group the client sent, and what each was answered."""

    student_ids: Sequence[str]
    histories: Sequence[Sequence[float]]
    groups: Sequence[object]
    answered: Sequence[Answered]
    model_version: str
    level: float
    created_at: datetime


_encode_json = json.JSONEncoder().encode


def grades_json(grades: Sequence[float]) -> str:
    """The grades as `json.dumps` writes them, without its per-call set-up: the request
    models hold finite floats, whose JSON is their repr; anything else goes to the encoder."""
    try:
        return "[" + ", ".join(map(float.__repr__, grades)) + "]"
    except TypeError:
        return _encode_json(list(grades))


class ForecastInsert:
    def __init__(self, dialect: sa.Dialect) -> None:
        self.copy = dialect.name == "postgresql"
        self.copy_sql = f"COPY {forecasts.name} ({', '.join(COLUMNS)}) FROM STDIN"
        compiled = forecasts.insert().compile(dialect=dialect, column_keys=list(COLUMNS))
        self.sql = str(compiled)
        # The executemany path takes the rows as tuples, i.e. a qmark dialect (SQLite).
        assert self.copy or tuple(compiled.positiontup or ()) == COLUMNS
        time_type = forecasts.c.created_at.type
        # COPY takes the datetime as it is; SQLite wants the dialect's text.
        self._time_to_driver: Callable[[datetime], Any] | None = (
            None if self.copy else time_type.bind_processor(dialect)
        )

    def rows_of(
        self, requests: Sequence[Forecasts], student_key: Callable[[str], str]
    ) -> tuple[list[tuple[Any, ...]], list[list[str]]]:
        """The rows of these requests, in `COLUMNS` order and the driver's types, and each
        request's forecast ids."""
        ids = iter(new_forecast_ids(sum(len(request.student_ids) for request in requests)))
        rows: list[tuple[Any, ...]] = []
        ids_by_request: list[list[str]] = []
        for request in requests:
            when = request.created_at
            if self._time_to_driver is not None:
                when = self._time_to_driver(when)
            version, level = request.model_version, request.level
            request_ids = []
            for student_id, history, group, answered in zip(
                request.student_ids, request.histories, request.groups, request.answered,
                strict=True,
            ):  # fmt: skip
                forecast_id = next(ids)
                request_ids.append(forecast_id)
                rows.append((
                    forecast_id,
                    student_key(student_id),
                    answered.semester,
                    grades_json(history),
                    None if group is None else str(group),
                    answered.predicted,
                    answered.low,
                    answered.high,
                    level,
                    answered.risk_below,
                    answered.risk_probability,
                    version,
                    when,
                ))  # fmt: skip
            ids_by_request.append(request_ids)
        return rows, ids_by_request

    def execute(self, driver_connection: Any, rows: list[tuple[Any, ...]]) -> None:
        """Inserts the rows on a DB-API connection, in its open (or implicit) transaction;
        the caller commits. Raises the driver's own errors."""
        if not self.copy:
            driver_connection.executemany(self.sql, rows)
            return
        with driver_connection.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
