"""The one validation pass of a brief: counts, budgets, products, plan size, something to make.

Each case asserts the message (with the brief line it came from) and that every problem of a
brief is reported at once. The service and CLI ends of the same pass are in
``tests/graph/cli/test_bad_input.py``.
"""

from __future__ import annotations

import pytest

from graph.planning.brief import parse_amount
from graph.planning.checks import BriefLimits, checked_brief
from graph.planning.plan import build_plan, plan_size
from tools.errors import BriefInvalid, InputError

LIMITS = BriefLimits()


def problems_of(text: str, budget: float | None = None, limits: BriefLimits = LIMITS) -> str:
    with pytest.raises(InputError) as refused:
        checked_brief(text, limits, budget)
    return refused.value.user_message


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Brand: X\n10 social posts", 10),
        ("Brand: X\nten social posts", 10),
        ("Brand: X\n- 12 posts for Instagram", 12),
        ("Budget: $20\nSocial posts about linen", 1),  # the budget is not the post count
        ("Goal: launch 20\nsocial posts", 1),
    ],
)
def test_counts_are_read_from_their_own_line(text: str, count: int) -> None:
    (request,) = checked_brief(text, LIMITS).requests
    assert (request.asset_kind, request.count) == ("social_post", count)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Brand: X\n10000 social posts", "line 2: 10,000 social posts asked for, at most 100"),
        ("Brand: X\n10,000 social posts", "line 2: 10,000 social posts asked for, at most 100"),
        ("Brand: X\n\n101 newsletters", "line 3: 101 newsletters asked for, at most 100"),
        ("Brand: X\n0 social posts", "line 2: '0 social posts': ask for at least one"),
        ("Brand: X\nnewsletter\n7 a/b variants of product copy\n```csv\nsku\nA\n```",
         "7 A/B variants asked for, at most 5"),
    ],
)  # fmt: skip
def test_counts_out_of_range_are_refused_with_their_line(text: str, message: str) -> None:
    assert message in problems_of(text)


@pytest.mark.parametrize(
    ("value", "amount"),
    [("$20", 20.0), ("20.50", 20.5), ("$1,000", 1000.0), ("20 USD", 20.0), ("$5 (hard cap)", 5.0),
     ("-$5", None), ("1e9", None), ("lots", None), ("$", None), ("1,00", None), ("$5-$10", None),
     ("NaN", None), ("inf", None)],
)  # fmt: skip
def test_budget_amounts_are_parsed_strictly(value: str, amount: float | None) -> None:
    assert parse_amount(value) == amount


@pytest.mark.parametrize(
    ("text", "budget", "message"),
    [
        ("Budget: -$5\n2 social posts", None, "line 1: budget '-$5' is not an amount in USD"),
        ("Budget: 1e9\n2 social posts", None, "line 1: budget '1e9' is not an amount"),
        ("Budget: $999999999999999999999\n2 social posts", None, "above the limit of $1,000.00"),
        ("2 social posts", 1e308, "above the limit of $1,000.00"),
        ("2 social posts", float("inf"), "at least $0, not inf"),
        ("2 social posts", float("nan"), "at least $0, not nan"),
        ("2 social posts", -1.0, "at least $0, not -1.0"),
    ],
)
def test_bad_budgets_are_refused(text: str, budget: float | None, message: str) -> None:
    assert message in problems_of(text, budget)


def test_budget_limit_comes_from_settings() -> None:
    limits = BriefLimits(max_budget_usd=5.0)
    assert "above the limit of $5.00" in problems_of("Budget: $6\n2 posts", limits=limits)
    assert checked_brief("Budget: $5\n2 posts", limits).budget_usd == 5.0
    assert checked_brief("Budget: $0\n2 posts", limits).budget_usd == 0.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Make people happy about linen", "the brief names no deliverables"),
        ("Product descriptions for:\n```csv\nsku,name\n```",
         "line 3: the product list has a header but no products"),
        ("Product descriptions for:\n\n## Products\nnone yet\n",
         "line 3: the Products section lists no products"),
        ("Product descriptions for our range", "product descriptions need products"),
        ("Product copy:\n```csv\nsku,name,features\nA-1,Throw,soft\n,,\n,,features only\n```",
         "line 6: a product row has neither a sku nor a name"),
        ("Product copy:\n```csv\nsku,name\nLW 1,Throw\nlw-1,Runner\n```",
         "products 'LW 1' and 'lw-1' would share the asset id 'lw-1'"),
        ("Product copy:\n```csv\nfoo,bar\n1,2\n```", "line 3: the product list needs a header row"),
    ],
)  # fmt: skip
def test_briefs_that_ask_for_nothing_or_bad_product_lists_are_refused(
    text: str, message: str
) -> None:
    assert message in problems_of(text)


def test_every_problem_is_reported_at_once_with_its_line() -> None:
    text = "Brand: X\nTone: sarcastic\nBudget: -$5\nDue: someday\n\n500 social posts\n"
    with pytest.raises(BriefInvalid) as refused:
        checked_brief(text, LIMITS)
    lines = [line for line, _ in refused.value.problems]
    assert lines == [2, 3, 4, 6]
    message = refused.value.user_message
    assert message.startswith("the brief has 4 problems: line 2: unknown tone")
    assert "line 4: due date 'someday' is not a date" in message


def test_plan_size_is_checked_up_front_whatever_the_planner_would_do() -> None:
    rows = "\n".join(f"SKU-{i},Product {i}" for i in range(5000))
    text = f"Product descriptions, SEO meta and two A/B variants:\n```csv\nsku,name\n{rows}\n```"
    message = problems_of(text)
    assert "the brief asks for 15,000 deliverables, a plan holds at most 10,000" in message
    smaller = BriefLimits(max_deliverables=10)
    assert "a plan holds at most 10" in problems_of(
        "Brand: X\n6 posts\n6 newsletters", limits=smaller
    )


def test_the_planner_refuses_an_oversized_plan_without_a_traceback() -> None:
    brief = checked_brief("Brand: X\n60 social posts\n60 newsletters", LIMITS)
    assert plan_size(brief) == 120
    with pytest.raises(InputError, match="a plan holds at most 100"):
        build_plan(brief, default_budget_usd=1.0, max_deliverables=100)
