"""The review panel's server side: the word diff, the props, and requests checked."""

from __future__ import annotations

import pytest

from graph.gates import AssetForReview, GatePayload
from graph.service.views import AssetView
from graph.workspace.review_panel import (
    RecalledItem,
    choices_for,
    panel_props,
    read_request,
    word_diff,
)
from tools.errors import InputError
from tools.events import TraceEvent


def test_word_diff_marks_added_and_removed_words() -> None:
    tokens = word_diff("Soft linen for spring days.", "Soft breathable linen for sunny days.")
    assert [(t.op, t.text) for t in tokens] == [
        ("same", "Soft "),
        ("add", "breathable "),
        ("same", "linen for "),
        ("del", "spring "),
        ("add", "sunny "),
        ("same", "days."),
    ]
    assert (
        "".join(t.text for t in tokens if t.op != "del") == "Soft breathable linen for sunny days."
    )


def _asset(asset_id: str, passed: bool, previous: str = "") -> AssetView:
    return AssetView(
        asset_id=asset_id,
        asset_kind="social_post",
        channel="instagram",
        version=2 if previous else 1,
        text=f"{asset_id} text",
        previous_text=previous,
        status="review",
        usage={"cost_usd": 0.0012},
        memory_item_ids=["m1"] if previous else [],
        checks={"length": {"passed": True}, "tone": {"passed": passed, "detail": "too formal"}},
    )


def _gate(*ids: str) -> GatePayload:
    assets = [
        AssetForReview(
            asset_id=i, asset_kind="social_post", channel="instagram", version=1, text="x"
        )
        for i in ids
    ]
    return GatePayload(gate="review", thread_id="t1", message="Review 3 assets", assets=assets)


def _memory(ids: object) -> list[RecalledItem]:
    return [RecalledItem(item_id="m1", source="guide.md#2", snippet="Say linen, not fabric.")]


def test_props_carry_checks_reasons_memory_model_cost_and_a_page() -> None:
    assets = [_asset("a", True, previous="a old"), _asset("b", False), _asset("c", True)]
    trace = [TraceEvent(kind="model_call", node="draft", asset_id="a", model_id="scripted:w")]
    props = panel_props(_gate("a", "b", "c"), assets, trace, {"c": "approve"}, _memory, page_size=2)
    first = props.assets[0]
    assert (props.total, props.pages, len(props.assets)) == (3, 2, 2)
    assert first.model == "scripted:w" and first.cost_usd == 0.0012
    assert first.memory[0].source == "guide.md#2"
    assert [(t.op, t.text) for t in first.diff] == [("same", "a "), ("del", "old"), ("add", "text")]
    assert props.assets[1].checks[1].reason == "too formal" and not props.assets[1].passed
    assert props.passed_waiting == 1  # a passes; b failed a check; c is decided already
    last = panel_props(
        _gate("a", "b", "c"), assets, trace, {"c": "approve"}, _memory, page=5, page_size=2
    )
    assert last.page == 1 and [a.asset_id for a in last.assets] == ["c"]
    assert last.assets[0].decision == "approve"


def test_approve_passed_needs_the_confirmed_count() -> None:
    request = read_request({"action": "approve_passed", "count": 2})
    assert [c.asset_id for c in choices_for(request, ["a", "c"])] == ["a", "c"]
    with pytest.raises(InputError, match="1 assets pass now, not 2"):
        choices_for(request, ["a"])


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"action": "reject", "asset_id": "a", "text": " "}, "reject a needs a reason"),
        ({"action": "edit", "asset_id": "a"}, "edit a needs the new text"),
        ({"action": "approve", "asset_id": "../x"}, "is not an asset id"),
        ({"action": "publish", "asset_id": "a"}, "review panel: action"),
        ({"action": "page", "page": "two"}, "review panel: page"),
    ],
)
def test_malformed_requests_are_refused_with_one_line(
    payload: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        read_request(payload)
