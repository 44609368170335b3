"""Brief parsing and the deterministic planner (pure units)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.planning.brief import parse_brief
from graph.planning.plan import build_plan
from tools.errors import InputError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_spring_launch_brief_plans_newsletter_posts_and_video() -> None:
    brief = parse_brief((EXAMPLES / "spring_launch.md").read_text())
    assert (brief.brand, brief.tone, brief.budget_usd) == ("Loomwell", "friendly", 0.5)
    assert brief.required_terms == ["Loomwell"] and "best ever" in brief.banned_terms
    plan = build_plan(brief, default_budget_usd=1.0)
    ids = [d.asset_id for d in plan.deliverables]
    assert ids == ["newsletter"] + [f"social_post-{i:02d}" for i in range(1, 11)] + ["video_script"]
    assert plan.matrix() == [
        ("email", "newsletter", 1, 1),
        ("instagram", "social_post", 10, 1),
        ("video", "video_script", 1, 1),
    ]
    video = plan.deliverables[-1].constraints
    assert video.max_words == 117 and video.tone == "friendly"  # 45 seconds of speech
    assert plan.budget_usd == 0.5 and str(plan.due_date) == "2026-03-02"


def test_product_brief_plans_descriptions_ab_variants_and_seo() -> None:
    brief = parse_brief((EXAMPLES / "product_launch.md").read_text())
    assert [p["sku"] for p in brief.products] == ["LW-101", "LW-102", "LW-103"]
    plan = build_plan(brief, default_budget_usd=2.0)
    ids = [d.asset_id for d in plan.deliverables]
    assert ids[:2] == ["product_description-lw-101-a", "product_description-lw-101-b"]
    assert "seo_meta-lw-103" in ids and len(ids) == 9
    first = plan.deliverables[0]
    assert first.product["name"] == "Stonewashed Linen Throw" and first.variant == 1
    assert plan.deliverables[1].variant == 2 and plan.budget_usd == 2.0
    assert ("shop", "product_description", 3, 2) in plan.matrix()


def test_free_text_brief_and_product_section_list() -> None:
    brief = parse_brief("this week's newsletter, 3 social posts and a 60-second video script")
    kinds = [(r.asset_kind, r.count) for r in brief.requests]
    assert kinds == [("newsletter", 1), ("social_post", 3), ("video_script", 1)]
    listed = parse_brief(
        "Product descriptions for:\n\n## Products\n- Linen throw\n- Linen runner\n"
    )
    assert listed.products == [{"name": "Linen throw"}, {"name": "Linen runner"}]


def test_invisible_unicode_is_stripped() -> None:
    brief = parse_brief("Brand: Loom\u200bwell\u202e\nGoal: spr\u2060ing\n\n2 social posts")
    assert brief.brand == "Loomwell" and brief.goal == "spring"
    assert "\u200b" not in brief.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Product descriptions:\n```csv\nfoo,bar\n1,2\n```", "'sku' or 'name' column"),
        ("Brand: X\nDue: someday\n2 social posts", "line 2: due date .someday. is not a date"),
        (42, "must be text"),
    ],
)
def test_malformed_briefs(text: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_brief(text)  # type: ignore[arg-type]


def test_brief_without_deliverables_cannot_be_planned() -> None:
    with pytest.raises(InputError, match="no deliverables"):
        build_plan(parse_brief("Make people happy about linen"), default_budget_usd=1.0)
