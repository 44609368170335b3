"""Rendering of gates and traces: what users see, without a browser."""

from __future__ import annotations

from rich.console import Console

from graph.cli.display import summary_table
from graph.gates import AssetForReview, GatePayload
from graph.service.views import CampaignView
from graph.workspace.render import gate_cards, status_markdown, step_for_event, trace_markdown
from tools.events import TraceEvent


def _asset(asset_id: str, **extra: object) -> AssetForReview:
    return AssetForReview(
        asset_id=asset_id,
        asset_kind="social_post",
        channel="instagram",
        version=1,
        text=f"text of {asset_id}",
        **extra,
    )


def test_review_gate_has_a_header_and_one_card_per_asset() -> None:
    gate = GatePayload(
        gate="review",
        thread_id="t",
        message="2 assets",
        assets=[
            _asset(
                "social_post-01", checks={"length": {"passed": True}, "banned": {"passed": False}}
            ),
            _asset("social_post-02", flagged=True),
        ],
    )
    cards = gate_cards(gate)
    assert [card.key for card in cards] == ["header", "social_post-01", "social_post-02"]
    assert cards[0].actions[0].payload == {"gate": "review", "target": "all", "action": "approve"}
    first = cards[1]
    assert "✓ length" in first.markdown and "✗ banned" in first.markdown
    assert [a.payload["action"] for a in first.actions] == ["approve", "edit", "reject", "respond"]
    assert all(a.payload["target"] == "social_post-01" for a in first.actions)
    assert "flagged" in cards[2].markdown


def test_plan_gate_shows_the_matrix_and_the_editable_json() -> None:
    plan = {
        "brand": "Acme",
        "budget_usd": 0.5,
        "deliverables": [
            {
                "asset_id": "newsletter-01",
                "asset_kind": "newsletter",
                "channel": "email",
                "constraints": {"min_words": 80, "max_words": 350, "tone": "playful"},
            }
        ],
    }
    (card,) = gate_cards(
        GatePayload(gate="plan", thread_id="t", message="1 deliverable", plan=plan)
    )
    assert "| newsletter-01 | newsletter | email | 1 | 80-350 | playful |" in card.markdown
    assert '{"asset_id":"newsletter-01","asset_kind":"newsletter"' in card.markdown
    assert {a.payload["target"] for a in card.actions} == {"plan"}


def test_publish_gate_offers_publish_and_reject() -> None:
    gate = GatePayload(
        gate="publish",
        thread_id="t",
        message="ready",
        assets=[_asset("a1")],
        required_role="approver",
    )
    (card,) = gate_cards(gate)
    assert [a.label for a in card.actions] == ["Publish", "Reject"]
    assert "approver" in card.markdown


def test_trace_table_sums_cost_tokens_and_decisions() -> None:
    events = [
        TraceEvent(kind="node", node="planner", created_at=100.0),
        TraceEvent(
            kind="model_call",
            node="draft",
            agent="copywriter",
            asset_id="a1",
            model_id="scripted",
            prompt_tokens=10,
            completion_tokens=5,
            cost_usd=0.001,
            latency_ms=250,
            created_at=101.0,
        ),
        TraceEvent(
            kind="check",
            node="verify",
            asset_id="a1",
            checks={"length": True, "banned_terms": False},
            created_at=101.5,
        ),
        TraceEvent(kind="decision", node="review", summary="ana approved a1", created_at=103.0),
    ]
    table = trace_markdown(events)
    row = "| 2 | +1.00s | model_call · draft · copywriter | a1 | `scripted` | 15 | 0.00100 | 250 |"
    assert row in table
    assert "| ✓length ✗banned_terms |" in table
    assert "| decision · review |" in table and "ana approved a1 |" in table
    assert "1 model calls, 15 tokens, $0.00100" in table
    assert "1 human decisions" in table
    assert "3.00 s elapsed" in table


def test_model_call_becomes_an_llm_step_with_numbers() -> None:
    step = step_for_event(
        TraceEvent(
            kind="model_call",
            agent="seo",
            asset_id="seo-01",
            model_id="local:smollm2-135m",
            prompt_tokens=40,
            completion_tokens=20,
            cost_usd=0.0,
            latency_ms=812.4,
        )
    )
    assert step.type == "llm"
    assert step.name == "seo · seo-01"
    assert step.metadata["tokens"] == 60
    assert "40 in / 20 out" in step.input and "812 ms" in step.input


def test_estimated_usage_is_marked_in_the_step_and_the_trace() -> None:
    event = TraceEvent(
        kind="model_call",
        agent="copywriter",
        model_id="openai:smollm2",
        prompt_tokens=120,
        completion_tokens=30,
        usage_estimated=True,
    )
    assert "120 in / 30 out (estimated)" in step_for_event(event).input
    table = trace_markdown([event])
    assert "| `openai:smollm2` | ~150 |" in table and "1 model calls, ~150 tokens" in table


def test_totals_say_how_many_calls_were_estimated_in_the_chat_and_the_cli() -> None:
    totals = {"prompt_tokens": 900, "completion_tokens": 100, "model_calls": 3}
    view = CampaignView(
        thread_id="t1", owner="ana", title="Spring", phase="reviewing", status="paused",
        totals={**totals, "estimated_calls": 2},
    )  # fmt: skip
    assert "1000 tokens (2 calls estimated)" in status_markdown(view)
    console = Console(record=True, width=200)
    console.print(summary_table(view, 1.0))
    assert "1000 tokens (2 calls estimated)" in " ".join(console.export_text().split())
    exact = view.model_copy(update={"totals": totals})
    assert "estimated" not in status_markdown(exact)
