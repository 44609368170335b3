"""The chat's ``trace``, ``kpis`` and ``rollback`` commands, read from and recorded in the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.workspace.chat import Sinks
from graph.workspace.commands import parse_message
from tests.graph.workspace.test_chat import MODELS, at_review, build_workspace
from tools.content_store import InMemoryContentStore
from tools.errors import InputError, PermissionDenied


async def test_trace_and_kpis_come_from_the_store(tmp_path: Path) -> None:
    workspace = build_workspace(tmp_path)
    await at_review(workspace)
    trace = (await workspace.handle_message("ana", "c1", "trace", Sinks())).text
    assert trace.startswith("### Trace (content store)")
    assert "| campaign_started |" in trace and "| model_call |" in trace
    assert "| plan_versioned |" in trace and "plan gate: approve" in trace
    recorded = await workspace.services(MODELS).recorded("c1")
    assert trace.count("\n| ") == len(recorded) + 1  # header row + one row per event
    kpis = (await workspace.handle_message("ana", "c1", "kpis this", Sinks())).text
    assert kpis.startswith("### KPIs of c1")
    assert "| model calls | 3 |" in kpis and "| approved assets | 0 |" in kpis


async def test_rollback_in_the_chat_goes_back_to_review(tmp_path: Path) -> None:
    workspace = build_workspace(tmp_path)
    review = await at_review(workspace)
    ids = [card.key for card in review.cards if card.key not in ("header", "plan")]
    await workspace.handle_message("ana", "c1", "respond newsletter: shorter", Sinks())
    others = [i for i in ids if i != "newsletter"]
    await workspace.handle_message("ana", "c1", f"approve {' '.join(others)}", Sinks())
    with pytest.raises(PermissionDenied):
        await workspace.handle_message("vera", "c1", "rollback newsletter 1", Sinks())
    with pytest.raises(InputError, match="v2 is already the current version"):
        await workspace.handle_message("ana", "c1", "rollback newsletter 2", Sinks())
    reply = await workspace.handle_message("ana", "c1", "rollback newsletter v1", Sinks())
    assert "newsletter" in [card.key for card in reply.cards]
    trace = (await workspace.handle_message("ana", "c1", "trace", Sinks())).text
    assert "rolled back v2 to a copy of v1" in trace


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("rollback", "usage: rollback ASSET_ID VERSION"),
        ("rollback newsletter", "usage: rollback ASSET_ID VERSION"),
        ("rollback newsletter two", "'two' is not a version number"),
        ("rollback newsletter 0", "'0' is not a version number"),
        ("rollback news/letter 1", "'news/letter' is not an asset id"),
        ("rollback newsletter 1 2", "usage: rollback ASSET_ID VERSION"),
    ],
)
def test_bad_rollback_commands_say_what_is_expected(message: str, error: str) -> None:
    with pytest.raises(InputError, match=error):
        parse_message(message, has_campaign=True)


def test_kpis_and_rollback_parse() -> None:
    assert parse_message("kpis", has_campaign=True).name == "kpis"
    assert parse_message("kpis this", has_campaign=True).name == "kpis"
    command = parse_message("rollback social_post-01 3", has_campaign=True)
    assert (command.name, command.asset_id, command.version) == ("rollback", "social_post-01", 3)


async def test_the_store_is_the_one_the_service_records_in(tmp_path: Path) -> None:
    store = InMemoryContentStore()
    workspace = build_workspace(tmp_path)
    workspace.services(MODELS).content_store = store
    await at_review(workspace)
    assert {e.thread_id for e in await store.read_all()} == {"c1"}
