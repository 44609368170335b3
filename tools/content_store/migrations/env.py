"""Alembic environment of the content store.

Migrations run inside the application (``tools.content_store.sql.open_sql_store``) on the
connection it passes in ``config.attributes["connection"]`` (a sync facade of the async
engine's connection, via ``run_sync``); there is no ``alembic.ini`` and no offline mode.
"""

from __future__ import annotations

from alembic import context

from tools.content_store.schema import VERSION_TABLE

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("content store migrations run from open_sql_store(), not the alembic CLI")
context.configure(connection=connection, version_table=VERSION_TABLE, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
