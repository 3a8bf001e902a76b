"""The INSERT of forecast rows, compiled once by SQLAlchemy Core for the engine's dialect and
run with the driver's executemany.

Why not `connection.execute(forecasts.insert(), rows)`: SQLAlchemy then passes every value of
every row through its bind processors (JSON, DateTime, the parameter dict), which is most of
the time a 1000-student batch spends recording. Here the statement is still Core's (the
dialect's own SQL, types and casts), and the two values that need converting are converted
as SQLAlchemy would: the grades to JSON text, the time to the dialect's form, once per
request (the rows of one request share one time object). `tests/app/store/test_recorder.py`
reads rows back through SQLAlchemy on both databases to keep the two ways equal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.store.schema import forecasts

Row = dict[str, Any]
COLUMNS = tuple(column.name for column in forecasts.c)


class ForecastInsert:
    def __init__(self, dialect: sa.Dialect) -> None:
        compiled = forecasts.insert().compile(dialect=dialect, column_keys=list(COLUMNS))
        self.sql = str(compiled)
        # qmark dialects (SQLite) take tuples in this order; named ones (psycopg) dicts.
        self.positional = compiled.positiontup is not None
        if self.positional:
            assert tuple(compiled.positiontup or ()) == COLUMNS
        time_type = forecasts.c.created_at.type
        self._time_to_driver: Callable[[datetime], Any] | None = time_type.bind_processor(dialect)

    def parameters(self, rows: Sequence[Row]) -> list[Any]:
        converted_time: tuple[object, Any] = (None, None)
        parameters: list[Any] = []
        for row in rows:
            when = row["created_at"]
            if converted_time[0] is not when:
                driver_time = self._time_to_driver(when) if self._time_to_driver else when
                converted_time = (when, driver_time)
            values = {**row, "grades": json.dumps(row["grades"]), "created_at": converted_time[1]}
            parameters.append(
                tuple(values[name] for name in COLUMNS) if self.positional else values
            )
        return parameters

    def execute(self, connection: sa.Connection, rows: Sequence[Row]) -> None:
        connection.exec_driver_sql(self.sql, self.parameters(rows))
