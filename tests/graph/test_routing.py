"""Pure units: the supervisor's routing policy and the fan-in reducers."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END
from langgraph.types import Send

from graph.nodes.records import new_asset
from graph.planning.plan import Deliverable
from graph.state import add_usage, merge_assets
from graph.supervisor import route


def asset(asset_id: str, status: str) -> dict[str, Any]:
    record = dict(new_asset(Deliverable(asset_id=asset_id, asset_kind="email", channel="email")))
    record["status"] = status
    return record


def state(*assets: dict[str, Any], **values: Any) -> dict[str, Any]:
    base = {"plan": {"deliverables": []}, "plan_approved": True, "phase": "drafting"}
    return {**base, "assets": {a["asset_id"]: a for a in assets}, **values}


def test_route_follows_the_campaign_from_state_alone() -> None:
    assert route({"phase": "planning"}) == "planner"
    assert route(state(plan_approved=False)) == "plan_gate"
    assert route(state(asset("a", "pending"))) == "supervisor"  # dispatch not computed yet
    assert route(state(asset("a", "draft"), asset("b", "review"))) == "verify"
    assert route(state(asset("a", "review"), asset("b", "approved"))) == "review_gate"
    assert route(state(asset("a", "approved"))) == "publish_gate"
    assert route(state(asset("a", "approved"), publish_approved=True)) == "publisher"
    assert route(state(asset("a", "published"))) == END
    assert route(state(asset("a", "pending"), phase="cancelled")) == END


def test_route_sends_one_task_per_dispatched_asset_still_to_write() -> None:
    todo, done = asset("a", "pending"), asset("b", "rejected")
    stale = asset("c", "review")
    tasks = [{"asset": todo}, {"asset": done}, {"asset": stale}]
    sends = route(state(todo, done, stale, dispatch=tasks))
    assert isinstance(sends, list) and all(isinstance(s, Send) and s.node == "draft" for s in sends)
    assert [s.arg["asset"]["asset_id"] for s in sends] == ["a", "b"]


def test_fan_in_reducers() -> None:
    left = {"a": asset("a", "draft"), "b": asset("b", "draft")}
    merged = merge_assets(left, {"b": asset("b", "review")})
    assert merged["a"]["status"] == "draft" and merged["b"]["status"] == "review"
    assert add_usage({"cost_usd": 0.5, "model_calls": 1}, {"cost_usd": 0.25, "tokens": 3}) == {
        "cost_usd": 0.75, "model_calls": 1, "tokens": 3,
    }  # fmt: skip
