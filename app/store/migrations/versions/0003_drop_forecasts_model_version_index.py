"""Recording writes one index fewer: `ix_forecasts_model_version` is covered by
`ix_forecasts_version_group` (0002), whose first column is the same, and nothing reads it
alone. Every index is written on every recorded forecast (docs/performance.md, Recording).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_forecasts_model_version", table_name="forecasts")


def downgrade() -> None:
    op.create_index("ix_forecasts_model_version", "forecasts", ["model_version"])
