"""The content store's tables (SQLAlchemy Core), as the queries see them.

The migrations in ``migrations/versions`` create and change them; a new revision comes with
its change here. ``content_events`` is append-only: its ``payload`` is the event's JSON and
the other columns are the envelope plus a few payload fields the KPIs aggregate in SQL.
``content_head`` is one row holding the last position: appends lock it, so positions are
allocated in commit order (see ``sql.py``).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""BIGINT; on SQLite ``INTEGER PRIMARY KEY`` so the position is the rowid."""

events = sa.Table(
    "content_events",
    metadata,
    sa.Column("position", POSITION, primary_key=True, autoincrement=False),
    sa.Column("event_key", sa.String(400), nullable=False, unique=True),
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
)

head = sa.Table(
    "content_head",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("last_position", sa.BigInteger(), nullable=False),
)

VERSION_TABLE = "content_store_version"
"""Alembic's revision table for this store (not ``alembic_version``: a shared PostgreSQL
database may hold other applications' migrations)."""
