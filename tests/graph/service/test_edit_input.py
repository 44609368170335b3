"""Malformed edits (plan rows, draft edits, fork edits) are an InputError and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from graph.service.campaigns import CampaignService
from tests.graph.conftest import SMALL_BRIEF, to_review
from tools.errors import InputError, NotFoundError

GOOD_ROW = {"asset_id": "email-01", "asset_kind": "email", "channel": "email"}
BAD_PLANS: list[Any] = [
    [{"asset_id": "email-01"}],  # no kind, no channel
    [{**GOOD_ROW, "asset_kind": "poem"}],
    [{**GOOD_ROW, "asset_id": "bad id!"}],
    [{**GOOD_ROW, "variant": 9}],
    [GOOD_ROW, GOOD_ROW],  # duplicate ids
    [GOOD_ROW, "not a row"],
    "not a list",
    [],
    None,
]
BAD_FORK_EDITS: list[Any] = [
    {"tone": "shouty"},
    {"budget_usd": -1},
    {"budget_usd": "lots"},
    {"deliverables": [{"asset_id": "x"}]},
    {"deliverables": [GOOD_ROW, GOOD_ROW]},
    {"tonee": "playful"},  # a typo must not be ignored silently
    ["tone", "playful"],
    "playful",
]


def snapshot_of(service: CampaignService, thread_id: str = "t1") -> tuple[Any, int]:
    """The campaign's view and checkpoint count: unchanged means nothing was written."""
    return service.view(thread_id), len(service.history(thread_id))


def assert_clear(error: pytest.ExceptionInfo[InputError]) -> None:
    message = str(error.value)
    assert message and "\n" not in message and "pydantic" not in message.lower()


@pytest.mark.parametrize("rows", BAD_PLANS)
async def test_edit_plan_with_malformed_rows_is_an_input_error(make_service, rows: Any) -> None:
    service = make_service()
    await service.start("t1", SMALL_BRIEF, "alice")
    before = snapshot_of(service)
    with pytest.raises(InputError) as error:
        await service.edit_plan("t1", rows)
    assert_clear(error)
    assert snapshot_of(service) == before


@pytest.mark.parametrize(
    ("asset_id", "text", "user"),
    [("social_post-01", 42, "ed"), (["social_post-01"], "New text.", "ed"), ("x", None, "ed")],
)
async def test_edit_draft_with_malformed_input_is_an_input_error(
    make_service, asset_id: Any, text: Any, user: Any
) -> None:
    service = make_service()
    await to_review(service)
    before = snapshot_of(service)
    with pytest.raises(InputError) as error:
        await service.edit_draft("t1", asset_id, text, user)
    assert_clear(error)
    assert snapshot_of(service) == before


@pytest.mark.parametrize("edits", BAD_FORK_EDITS)
async def test_fork_with_malformed_edits_is_an_input_error(make_service, edits: Any) -> None:
    service = make_service()
    await to_review(service)
    checkpoint_id = service.history("t1")[-1].checkpoint_id
    before = snapshot_of(service)
    with pytest.raises(InputError) as error:
        await service.fork("t1", checkpoint_id, edits, new_thread_id="t1-fork")
    assert_clear(error)
    assert snapshot_of(service) == before
    with pytest.raises(NotFoundError):
        service.view("t1-fork")


@pytest.mark.parametrize(
    ("thread_id", "checkpoint_id"), [("bad id!", "x"), ("t1", 7), ("t1", ["x"])]
)
async def test_fork_with_a_malformed_source_is_an_input_error(
    make_service, thread_id: Any, checkpoint_id: Any
) -> None:
    service = make_service()
    await to_review(service)
    with pytest.raises(InputError) as error:
        await service.fork(thread_id, checkpoint_id, {}, new_thread_id="t1-fork")
    assert_clear(error)
    with pytest.raises(NotFoundError):
        service.view("t1-fork")


@pytest.mark.parametrize("budget", ["lots", -1, float("nan")])
async def test_start_with_a_malformed_budget_is_an_input_error(make_service, budget: Any) -> None:
    service = make_service()
    with pytest.raises(InputError) as error:
        await service.start("t1", SMALL_BRIEF, "alice", budget_usd=budget)
    assert_clear(error)
    with pytest.raises(NotFoundError):
        service.view("t1")


async def test_the_good_row_is_accepted(make_service) -> None:
    """Guards the fixtures above: the rows fail for their flaw, not for a typo in GOOD_ROW."""
    service = make_service()
    await service.start("t1", SMALL_BRIEF, "alice")
    view = await service.edit_plan("t1", [GOOD_ROW])
    assert [d["asset_id"] for d in view.gate.plan["deliverables"]] == ["email-01"]
