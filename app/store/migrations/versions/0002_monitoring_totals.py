"""Monitoring without reading every row: forecasts counted per model version and group from
one index, and running sums of the outcomes per (model version, group).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MODEL_VERSION = sa.String(128)
GROUP_CODE = sa.String(128)
SUM_COLUMNS = (
    "outcomes, sum_abs_error, sum_squared_error, sum_fourth_power_error, covered, sum_width, "
    "sum_level, risk_outcomes, sum_brier"
)
# The sums of the outcomes already there (written out: a migration is what the schema was then).
BACKFILL = f"""
INSERT INTO monitoring_totals (model_version, group_code, {SUM_COLUMNS})
SELECT model_version, COALESCE(group_code, ''), COUNT(*),
    SUM(ABS(grade - predicted)),
    SUM((grade - predicted) * (grade - predicted)),
    SUM((grade - predicted) * (grade - predicted) * (grade - predicted) * (grade - predicted)),
    SUM(CASE WHEN grade >= interval_low AND grade <= interval_high THEN 1 ELSE 0 END),
    SUM(interval_high - interval_low),
    SUM(interval_level),
    SUM(CASE WHEN risk_probability IS NOT NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN risk_probability IS NOT NULL THEN
        (risk_probability - CASE WHEN grade < risk_below THEN 1.0 ELSE 0.0 END)
        * (risk_probability - CASE WHEN grade < risk_below THEN 1.0 ELSE 0.0 END)
        ELSE 0.0 END)
FROM outcomes WHERE forecast_id IS NOT NULL
GROUP BY model_version, COALESCE(group_code, '')
"""


def upgrade() -> None:
    # /monitoring counts forecasts per (model version, group): with this index the count is
    # a scan of the index alone, never of the forecasts' rows.
    op.create_index("ix_forecasts_version_group", "forecasts", ["model_version", "group_code"])
    op.create_table(
        "monitoring_totals",
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
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("monitoring_totals")
    op.drop_index("ix_forecasts_version_group", table_name="forecasts")
