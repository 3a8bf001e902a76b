"""Forecasts counted per model version and group from one index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # /monitoring counts forecasts per (model version, group): with this index the count is
    # a scan of the index alone, never of the forecasts' rows.
    op.create_index("ix_forecasts_version_group", "forecasts", ["model_version", "group_code"])


def downgrade() -> None:
    op.drop_index("ix_forecasts_version_group", table_name="forecasts")
