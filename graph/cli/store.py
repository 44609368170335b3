"""``brandloom assets list|history`` and ``brandloom kpis``: read the content store of record.

These commands read only the content store (``tools.content_store``), never checkpoints or
Redis: what they print is what the store recorded. ``assets`` is a sub-app mounted by
``graph.cli.plugins``; ``kpis`` is registered by ``graph.cli``. Errors are ``BrandloomError``s
(a bad id or date is ``InputError``, an unknown campaign ``NotFoundError``, both exit 2);
``graph.cli.app.main`` prints them as one line.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from graph.service.campaigns import checked_thread_id
from tools.content_store import ContentStore, open_content_store
from tools.content_store.report import assets_table, history_table, kpis_table
from tools.errors import InputError, NotFoundError
from tools.ids import is_id
from tools.settings import get_settings

app = typer.Typer(help="Assets of a campaign, from the content store.", no_args_is_help=True)
console = Console(file=sys.__stdout__)
T = TypeVar("T")
"""Asset ids are plan-row ids (``newsletter``, ``social_post-01``, ``seo_meta-lw-104``)."""


def _with_store(read: Callable[[ContentStore], Awaitable[T]]) -> T:
    """Open the configured store, run one read, close it."""

    async def run() -> T:
        store = await open_content_store(get_settings())
        try:
            return await read(store)
        finally:
            await store.close()

    return asyncio.run(run())


async def _known_campaign(store: ContentStore, thread_id: str) -> None:
    if not await store.read(0, 1, thread_id=thread_id):
        raise NotFoundError(f"no campaign {thread_id}")


def checked_asset_id(asset_id: str) -> str:
    """``asset_id`` if it is a valid asset id, else InputError."""
    if not is_id(asset_id):
        raise InputError(f"invalid asset id {asset_id[:40]!r}: use letters, digits, '.', '_', '-'")
    return asset_id


def parse_since(since: str) -> float:
    """A date (``2026-03-01``) or an ISO datetime as unix seconds (UTC when no zone is given)."""
    try:
        when = datetime.fromisoformat(since)
    except ValueError:
        raise InputError(f"invalid --since {since[:40]!r}: use a date like 2026-03-01") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


@app.command("list")
def list_assets(
    thread_id: Annotated[str, typer.Argument(help="The campaign.")],
) -> None:
    """Every asset of a campaign: its newest version and that version's status."""
    campaign = checked_thread_id(thread_id)

    async def read(store: ContentStore) -> None:
        await _known_campaign(store, campaign)
        console.print(assets_table(campaign, await store.assets(campaign)))

    _with_store(read)


@app.command("history")
def history(
    thread_id: Annotated[str, typer.Argument(help="The campaign.")],
    asset_id: Annotated[str, typer.Argument(help="The asset (see `brandloom assets list`).")],
) -> None:
    """An asset's lineage: versions, authors, models, checks, decisions (with diffs), receipts."""
    campaign, asset = checked_thread_id(thread_id), checked_asset_id(asset_id)

    async def read(store: ContentStore) -> None:
        await _known_campaign(store, campaign)
        versions = await store.lineage(campaign, asset)
        console.print(history_table(versions))
        for version in versions:  # in full below the table, where columns would cut them
            for entry in version.decisions:
                if entry.decision.diff:
                    console.print(f"v{version.version} {entry.decision.decision} by {entry.actor}:")
                    console.print(entry.decision.diff, markup=False, highlight=False)
            for receipt in version.receipts:
                line = f"v{version.version} receipt {receipt.remote_id} ({receipt.connector}): "
                console.print(
                    line + (receipt.url or receipt.error), soft_wrap=True, markup=False,
                    highlight=False,
                )  # fmt: skip

    _with_store(read)


def kpis(
    brand: Annotated[str | None, typer.Option("--brand", help="Only this brand.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="From this date (2026-03-01), UTC.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the KPIs as JSON.")] = False,
) -> None:
    """Content KPIs over every campaign in the store (a brand, a period)."""
    start = parse_since(since) if since is not None else None
    values = _with_store(lambda store: store.kpis(brand=brand, since=start))
    if as_json:
        report = {"brand": brand, "since": since, **values.model_dump()}
        print(json.dumps(report), file=sys.__stdout__, flush=True)
        return
    title = "KPIs" + (f" of {brand}" if brand else "") + (f" since {since}" if since else "")
    console.print(kpis_table(values, title=title))
