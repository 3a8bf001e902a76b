"""Recording the real grades (`POST /outcomes`): one transaction per request.

Each outcome is keyed by (student, semester). The forecast that counts for it is the latest
one recorded for that student and semester at or before the moment the outcome arrives; its
figures (version, group, prediction, interval, risk) are copied beside the outcome, so that
monitoring aggregates one table. An outcome with no forecast is kept all the same (it is
training data) and counted as unmatched. The same outcome sent again is a duplicate, stored
once; a different grade for a (student, semester) that has one refuses the whole request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from app.store.schema import STUDENT_KEY, forecasts, outcomes
from app.store.store import Store
from app.store.totals import Cell, Totals, add_to_totals

# Tries of one request's transaction when concurrent requests store the same outcomes.
ATTEMPTS = 3
# Keys per `IN (...)`: well under SQLite's and PostgreSQL's limits on bound parameters.
KEYS_PER_QUERY = 1000
COPIED = (
    "model_version",
    "group_code",
    "predicted",
    "interval_low",
    "interval_high",
    "interval_level",
    "risk_below",
    "risk_probability",
)


@dataclass(frozen=True)
class RealGrade:
    student_id: str
    semester: int
    grade: float


@dataclass(frozen=True)
class OutcomeCounts:
    received: int
    matched: int
    unmatched: int
    duplicates: int


class ConflictingOutcome(Exception):
    """A different grade for a (student, semester) that already has one; nothing is stored."""

    def __init__(self, index: int, grade: float, recorded: float, where: str) -> None:
        self.index = index
        self.reason = (
            f"grade {grade:g} differs from the {recorded:g} {where} for this student and "
            "semester; an outcome is recorded once (erase the student to correct it)"
        )
        super().__init__(f"outcomes[{index}]: {self.reason}")


def record_outcomes(
    store: Store, grades: Sequence[RealGrade], now: datetime | None = None
) -> OutcomeCounts:
    """Stores the new outcomes, each beside the forecast that counts for it, in one transaction;
    raises ConflictingOutcome (storing nothing) for a grade that contradicts another."""
    received_at = now or datetime.now(UTC)
    firsts = _first_of_each(store, grades)
    for _ in range(ATTEMPTS - 1):
        try:
            return _record(store, grades, firsts, received_at)
        except sa.exc.IntegrityError:
            # Another request stored one of these between our read and our insert; read
            # again, and its outcomes are now duplicates (or a conflict).
            continue
    return _record(store, grades, firsts, received_at)


def _record(
    store: Store,
    grades: Sequence[RealGrade],
    firsts: dict[Key, tuple[int, float]],
    received_at: datetime,
) -> OutcomeCounts:
    with store.engine.begin() as connection:
        fresh = _not_yet_recorded(connection, firsts)
        counting = _counting_forecasts(connection, [key for key, _, _ in fresh], received_at)
        rows = []
        for (student_key, semester), _index, grade in fresh:
            forecast = counting.get((student_key, semester))
            row = {
                "student_key": student_key,
                "semester": semester,
                "grade": grade,
                "received_at": received_at,
                "forecast_id": forecast["id"] if forecast else None,
            }
            row.update({name: forecast[name] if forecast else None for name in COPIED})
            rows.append(row)
        if rows:
            _insert(connection, rows)
            add_to_totals(connection, _sums(rows))
    matched = sum(row["forecast_id"] is not None for row in rows)
    return OutcomeCounts(len(grades), matched, len(rows) - matched, len(grades) - len(rows))


Key = tuple[str, int]  # (student_key, semester)


def _sums(rows: list[dict[str, Any]]) -> dict[Cell, Totals]:
    """What the new outcomes add to monitoring's running sums, per cell."""
    cells: dict[Cell, Totals] = {}
    for row in rows:
        if row["forecast_id"] is not None:
            cell = (row["model_version"], row["group_code"])
            cells.setdefault(cell, Totals()).add(Totals.of_outcome(row["grade"], row))
    return cells


def _first_of_each(store: Store, grades: Sequence[RealGrade]) -> dict[Key, tuple[int, float]]:
    """Each (student, semester) once, with the index and grade of its first item; a later item
    with another grade is a conflict, with the same grade a duplicate."""
    firsts: dict[Key, tuple[int, float]] = {}
    keys: dict[str, str] = {}
    for index, item in enumerate(grades):
        student_key = keys.get(item.student_id)
        if student_key is None:
            student_key = keys[item.student_id] = store.student_key(item.student_id)
        first = firsts.setdefault((student_key, item.semester), (index, item.grade))
        if first[1] != item.grade:
            raise ConflictingOutcome(index, item.grade, first[1], f"of outcomes[{first[0]}]")
    return firsts


def _not_yet_recorded(
    connection: sa.Connection, firsts: dict[Key, tuple[int, float]]
) -> list[tuple[Key, int, float]]:
    """The items whose (student, semester) has no outcome yet, in request order."""
    recorded: dict[Key, float] = {}
    query = sa.select(outcomes.c.student_key, outcomes.c.semester, outcomes.c.grade)
    for key_set in _key_sets(connection, {student_key for student_key, _ in firsts}):
        for student_key, semester, grade in connection.execute(
            query.where(_one_of(outcomes.c.student_key, key_set, connection))
        ):
            recorded[(student_key, semester)] = grade
    fresh = []
    for key, (index, grade) in sorted(firsts.items(), key=lambda item: item[1][0]):
        before = recorded.get(key)
        if before is None:
            fresh.append((key, index, grade))
        elif before != grade:
            raise ConflictingOutcome(index, grade, before, "already recorded")
    return fresh


def _counting_forecasts(
    connection: sa.Connection, keys: Sequence[Key], received_at: datetime
) -> dict[Key, sa.RowMapping]:
    """For each (student, semester), the latest forecast recorded at or before `received_at`."""
    wanted = set(keys)
    latest: dict[Key, sa.RowMapping] = {}
    columns = [
        forecasts.c.id,
        forecasts.c.student_key,
        forecasts.c.semester,
        forecasts.c.created_at,
    ]
    query = sa.select(*columns, *(forecasts.c[name] for name in COPIED)).where(
        forecasts.c.created_at <= received_at
    )
    for key_set in _key_sets(connection, {student_key for student_key, _ in wanted}):
        chosen = query.where(_one_of(forecasts.c.student_key, key_set, connection))
        for row in connection.execute(chosen).mappings():
            key = (row["student_key"], row["semester"])
            if key not in wanted:
                continue
            held = latest.get(key)
            # Ties in time (one batch) go to the larger id, so the choice is the same every time.
            if held is None or (row["created_at"], row["id"]) > (held["created_at"], held["id"]):
                latest[key] = row
    return latest


def _key_sets(connection: sa.Connection, keys: set[str]) -> Iterator[list[str]]:
    """PostgreSQL takes every key as one array; SQLite in sets of KEYS_PER_QUERY."""
    ordered = sorted(keys)
    if connection.dialect.name == "postgresql":
        yield ordered
        return
    for start in range(0, len(ordered), KEYS_PER_QUERY):
        yield ordered[start : start + KEYS_PER_QUERY]


def _one_of(
    column: sa.ColumnElement[str], keys: list[str], connection: sa.Connection
) -> sa.ColumnElement[bool]:
    if connection.dialect.name == "postgresql":
        # One array parameter: 10,000 keys as 10,000 bound parameters cost more to send and
        # plan than the lookup itself.
        return column == sa.any_(sa.bindparam("keys", keys, type_=ARRAY(STUDENT_KEY)))
    return column.in_(keys)


# PostgreSQL: every row in one statement, one array per column (unnest), instead of a round
# of the pipeline per row.
UNNEST_INSERT = sa.text(
    "INSERT INTO outcomes (student_key, semester, grade, received_at, forecast_id, "
    "model_version, group_code, predicted, interval_low, interval_high, interval_level, "
    "risk_below, risk_probability) SELECT * FROM unnest("
    "CAST(:student_key AS varchar[]), CAST(:semester AS integer[]), "
    "CAST(:grade AS double precision[]), CAST(:received_at AS timestamptz[]), "
    "CAST(:forecast_id AS varchar[]), CAST(:model_version AS varchar[]), "
    "CAST(:group_code AS varchar[]), CAST(:predicted AS double precision[]), "
    "CAST(:interval_low AS double precision[]), CAST(:interval_high AS double precision[]), "
    "CAST(:interval_level AS double precision[]), CAST(:risk_below AS double precision[]), "
    "CAST(:risk_probability AS double precision[]))"
)


def _insert(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    if connection.dialect.name != "postgresql":
        connection.execute(outcomes.insert(), rows)
        return
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    connection.execute(UNNEST_INSERT, columns)
