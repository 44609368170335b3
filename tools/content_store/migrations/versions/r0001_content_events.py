"""Content events and the position head.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "content_events",
        sa.Column("position", POSITION, primary_key=True, autoincrement=False),
        sa.Column("event_key", sa.String(400), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("thread_id", sa.String(200), nullable=False),
        sa.Column("brand", sa.String(200), nullable=False),
        sa.Column("asset_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("to_status", sa.String(16)),
        sa.Column("gate", sa.String(16)),
        sa.Column("decision", sa.String(16)),
        sa.Column("cost_usd", sa.Float()),
        sa.Column("edit_distance", sa.Float()),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.UniqueConstraint("event_key", name="uq_content_events_event_key"),
    )
    op.create_index("ix_content_events_thread", "content_events", ["thread_id", "position"])
    op.create_index("ix_content_events_asset", "content_events", ["thread_id", "asset_id", "type"])
    # covering indexes for the KPI aggregates (tools/content_store/sql_kpis.py): each KPI reads
    # one event type, so it scans a slice of one index instead of the table
    op.create_index(
        "ix_content_events_kpi_assets",
        "content_events",
        ["type", "to_status", "thread_id", "asset_id", "brand", "at", "version", "position"],
    )
    op.create_index(
        "ix_content_events_kpi_values",
        "content_events",
        [
            "type",
            "gate",
            "decision",
            "brand",
            "at",
            "cost_usd",
            "edit_distance",
            "thread_id",
            "asset_id",
            "position",
        ],
    )
    head = op.create_table(
        "content_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last_position", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "last_position": 0}])


def downgrade() -> None:
    op.drop_table("content_head")
    op.drop_index("ix_content_events_kpi_values", "content_events")
    op.drop_index("ix_content_events_kpi_assets", "content_events")
    op.drop_index("ix_content_events_asset", "content_events")
    op.drop_index("ix_content_events_thread", "content_events")
    op.drop_table("content_events")
