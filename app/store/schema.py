"""The tables of the store, written once: the migrations create them and the queries read
them from here.

No raw student id is ever stored: `student_key` is HMAC-SHA256 of the id under the service's
key (hex, 64 characters). Group codes are kept as text (the card says whether they are
integers or strings). Times are timezone-aware UTC.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

STUDENT_KEY = sa.String(64)
FORECAST_ID = sa.String(36)  # a UUID in its canonical text form (app/store/forecast_ids.py)
MODEL_VERSION = sa.String(128)
GROUP_CODE = sa.String(128)

# One row per forecast recorded: what was asked, what was answered, by which model, when.
forecasts = sa.Table(
    "forecasts",
    metadata,
    sa.Column("id", FORECAST_ID, primary_key=True),
    sa.Column("student_key", STUDENT_KEY, nullable=False),
    sa.Column("semester", sa.Integer, nullable=False),  # the answer's `semester`
    sa.Column("grades", sa.JSON, nullable=False),
    sa.Column("group_code", GROUP_CODE, nullable=True),
    sa.Column("predicted", sa.Float, nullable=False),
    sa.Column("interval_low", sa.Float, nullable=False),
    sa.Column("interval_high", sa.Float, nullable=False),
    sa.Column("interval_level", sa.Float, nullable=False),
    sa.Column("risk_below", sa.Float, nullable=True),
    sa.Column("risk_probability", sa.Float, nullable=True),
    sa.Column("model_version", MODEL_VERSION, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_forecasts_student_semester", "student_key", "semester", "created_at"),
    # The daily retention purge deletes by age from this index.
    sa.Index("ix_forecasts_created_at", "created_at"),
    # Migration 0002: /monitoring counts forecasts per version and group from this index
    # (migration 0003 dropped the one on model_version alone, which this one covers).
    sa.Index("ix_forecasts_version_group", "model_version", "group_code"),
)

# One row per (student, semester): the real grade. `forecast_id` is the forecast that counts
# for it, fixed when the outcome arrives (the latest one recorded for that student and
# semester before then; null: none, the outcome is kept as training data). The forecast's
# figures are copied beside it so that monitoring aggregates one table.
outcomes = sa.Table(
    "outcomes",
    metadata,
    sa.Column("student_key", STUDENT_KEY, primary_key=True),
    sa.Column("semester", sa.Integer, primary_key=True),
    sa.Column("grade", sa.Float, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("forecast_id", FORECAST_ID, nullable=True),
    sa.Column("model_version", MODEL_VERSION, nullable=True),
    sa.Column("group_code", GROUP_CODE, nullable=True),
    sa.Column("predicted", sa.Float, nullable=True),
    sa.Column("interval_low", sa.Float, nullable=True),
    sa.Column("interval_high", sa.Float, nullable=True),
    sa.Column("interval_level", sa.Float, nullable=True),
    sa.Column("risk_below", sa.Float, nullable=True),
    sa.Column("risk_probability", sa.Float, nullable=True),
    sa.Index("ix_outcomes_model_version", "model_version"),
    sa.Index("ix_outcomes_group_code", "group_code"),
    sa.Index("ix_outcomes_received_at", "received_at"),
)

# Running sums of the outcomes that have a counting forecast, per (model version, group), so
# GET /monitoring reads a few rows instead of every outcome (migration 0002). Kept in the same
# transaction as every write to `outcomes`: added to when outcomes arrive, taken from when an
# erasure or the retention purge deletes them. `group_code` is "" for no group (a key column
# cannot be null; a real code is never empty).
monitoring_totals = sa.Table(
    "monitoring_totals",
    metadata,
    sa.Column("model_version", MODEL_VERSION, primary_key=True),
    sa.Column("group_code", GROUP_CODE, primary_key=True),
    sa.Column("outcomes", sa.Integer, nullable=False),
    sa.Column("sum_abs_error", sa.Float, nullable=False),
    sa.Column("sum_squared_error", sa.Float, nullable=False),
    sa.Column("sum_fourth_power_error", sa.Float, nullable=False),
    sa.Column("covered", sa.Integer, nullable=False),
    sa.Column("sum_width", sa.Float, nullable=False),
    sa.Column("sum_level", sa.Float, nullable=False),
    sa.Column("risk_outcomes", sa.Integer, nullable=False),
    sa.Column("sum_brier", sa.Float, nullable=False),
)

# The audit of erasures (DELETE /students/{id}): when, and how many rows; never the id.
erasures = sa.Table(
    "erasures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("forecasts", sa.Integer, nullable=False),
    sa.Column("outcomes", sa.Integer, nullable=False),
)
