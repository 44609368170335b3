"""Bulk jobs and their items (one row per SKU thread), for ``brandloom bulk``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulk_jobs",
        sa.Column("job_id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("brief", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("budget_usd", sa.Float()),
        sa.Column("reserved_usd", sa.Float(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
    )
    op.create_table(
        "bulk_items",
        sa.Column("thread_id", sa.String(200), primary_key=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(200), nullable=False),
        sa.Column("product", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("passing", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("approved", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("cost_usd", sa.Float(), nullable=False, server_default="0"),
        sa.Column("assets", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("runs", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("worker", sa.String(200), nullable=False, server_default=""),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_bulk_items_job_state", "bulk_items", ["job_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_bulk_items_job_state", "bulk_items")
    op.drop_table("bulk_items")
    op.drop_table("bulk_jobs")
