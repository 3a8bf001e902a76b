"""The first schema: forecasts, outcomes, erasures.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STUDENT_KEY = sa.String(64)
FORECAST_ID = sa.String(36)
MODEL_VERSION = sa.String(128)
GROUP_CODE = sa.String(128)
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Written out, not imported from schema.py: a migration is what the schema was then.
    op.create_table(
        "forecasts",
        sa.Column("id", FORECAST_ID, primary_key=True),
        sa.Column("student_key", STUDENT_KEY, nullable=False),
        sa.Column("semester", sa.Integer, nullable=False),
        sa.Column("grades", sa.JSON, nullable=False),
        sa.Column("group_code", GROUP_CODE, nullable=True),
        sa.Column("predicted", sa.Float, nullable=False),
        sa.Column("interval_low", sa.Float, nullable=False),
        sa.Column("interval_high", sa.Float, nullable=False),
        sa.Column("interval_level", sa.Float, nullable=False),
        sa.Column("risk_below", sa.Float, nullable=True),
        sa.Column("risk_probability", sa.Float, nullable=True),
        sa.Column("model_version", MODEL_VERSION, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index(
        "ix_forecasts_student_semester", "forecasts", ["student_key", "semester", "created_at"]
    )
    op.create_index("ix_forecasts_model_version", "forecasts", ["model_version"])
    op.create_index("ix_forecasts_created_at", "forecasts", ["created_at"])
    op.create_table(
        "outcomes",
        sa.Column("student_key", STUDENT_KEY, primary_key=True),
        sa.Column("semester", sa.Integer, primary_key=True),
        sa.Column("grade", sa.Float, nullable=False),
        sa.Column("received_at", WHEN, nullable=False),
        sa.Column("forecast_id", FORECAST_ID, nullable=True),
        sa.Column("model_version", MODEL_VERSION, nullable=True),
        sa.Column("group_code", GROUP_CODE, nullable=True),
        sa.Column("predicted", sa.Float, nullable=True),
        sa.Column("interval_low", sa.Float, nullable=True),
        sa.Column("interval_high", sa.Float, nullable=True),
        sa.Column("interval_level", sa.Float, nullable=True),
        sa.Column("risk_below", sa.Float, nullable=True),
        sa.Column("risk_probability", sa.Float, nullable=True),
    )
    op.create_index("ix_outcomes_model_version", "outcomes", ["model_version"])
    op.create_index("ix_outcomes_group_code", "outcomes", ["group_code"])
    op.create_index("ix_outcomes_received_at", "outcomes", ["received_at"])
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("erased_at", WHEN, nullable=False),
        sa.Column("forecasts", sa.Integer, nullable=False),
        sa.Column("outcomes", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_table("outcomes")
    op.drop_table("forecasts")
