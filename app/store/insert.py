"""The INSERT of forecast rows: on SQLite compiled once by SQLAlchemy Core for the dialect and
run with the driver's executemany; on PostgreSQL a COPY into the same columns.

Why not `connection.execute(forecasts.insert(), rows)`: SQLAlchemy then passes every value of
every row through its bind processors (JSON, DateTime, the parameter dict), which is most of
the time a 1000-student batch spends recording. Here the statement is still Core's (the
dialect's own SQL, types and casts), and the two values that need converting are converted
as SQLAlchemy would: the grades to JSON text, the time to the dialect's form, once per
request (the rows of one request share one time object). `tests/app/store/test_recorder.py`
reads rows back through SQLAlchemy on both databases to keep the ways equal.

Why COPY on PostgreSQL: the rows travel as one stream instead of one bound statement each,
which made a group's insert and commit faster at 8 rows and at 1000 (docs/performance.md,
Recording). It runs in the caller's transaction, so the COMMIT that answers the requests is
the same durable one.
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
# The one column COPY is given converted (the driver sends the others as they are).
COLUMNS_BEFORE_GRADES = COLUMNS[: COLUMNS.index("grades")]
COLUMNS_AFTER_GRADES = COLUMNS[COLUMNS.index("grades") + 1 :]


class ForecastInsert:
    def __init__(self, dialect: sa.Dialect) -> None:
        self.copy = dialect.name == "postgresql"
        self.copy_sql = f"COPY {forecasts.name} ({', '.join(COLUMNS)}) FROM STDIN"
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
        if not self.copy:
            connection.exec_driver_sql(self.sql, self.parameters(rows))
            return
        driver_connection: Any = connection.connection.dbapi_connection
        driver_error = connection.dialect.loaded_dbapi.Error
        try:
            with driver_connection.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row([*(row[name] for name in COLUMNS_BEFORE_GRADES),
                                    json.dumps(row["grades"]),
                                    *(row[name] for name in COLUMNS_AFTER_GRADES)])  # fmt: skip
        except driver_error as error:
            # As SQLAlchemy raises for its own statements: the recorder knows these errors.
            raise sa.exc.DBAPIError.instance(self.copy_sql, None, error, driver_error) from error
