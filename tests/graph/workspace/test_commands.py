"""Chat text -> workspace commands: briefs, decisions, edits, and clear errors for bad input."""

from __future__ import annotations

import pytest

from graph.workspace.commands import MAX_MESSAGE_CHARS, parse_message
from tools.errors import InputError


def test_without_a_campaign_any_text_is_a_brief() -> None:
    command = parse_message("  Weekly newsletter and 10 posts\nBrand: Acme ", has_campaign=False)
    assert command.name == "brief"
    assert command.text == "Weekly newsletter and 10 posts\nBrand: Acme"
    assert parse_message("stop", has_campaign=False).name == "brief"
    assert parse_message("help", has_campaign=False).name == "help"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("stop", "stop"),
        ("Pause", "stop"),
        ("resume", "resume"),
        ("continue", "resume"),
        ("trace", "trace"),
        ("history", "history"),
        ("status", "status"),
    ],
)
def test_single_word_commands(text: str, name: str) -> None:
    assert parse_message(text, has_campaign=True).name == name


def test_decisions_cover_many_assets_in_one_message() -> None:
    command = parse_message(
        "approve social_post-01, social_post-02 newsletter-01", has_campaign=True
    )
    assert command.name == "decide"
    assert [(c.asset_id, c.action) for c in command.choices] == [
        ("social_post-01", "approve"),
        ("social_post-02", "approve"),
        ("newsletter-01", "approve"),
    ]
    reject = parse_message("reject social_post-03: too salesy\nand too long", has_campaign=True)
    assert reject.choices[0].action == "reject"
    assert reject.choices[0].text == "too salesy\nand too long"
    assert (
        parse_message("respond plan: add a teaser", has_campaign=True).choices[0].asset_id == "plan"
    )


def test_edit_takes_the_following_lines() -> None:
    command = parse_message("edit social_post-02\nSpring is here.\nShop now.", has_campaign=True)
    assert (command.name, command.asset_id, command.text) == (
        "edit",
        "social_post-02",
        "Spring is here.\nShop now.",
    )
    plan = parse_message(
        'edit plan\n[{"asset_id": "a1", "asset_kind": "email", "channel": "email"}]',
        has_campaign=True,
    )
    assert plan.name == "edit_plan"
    assert plan.deliverables[0]["asset_id"] == "a1"


def test_fork_names_a_checkpoint_and_a_note() -> None:
    command = parse_message("fork 1f0abc same plan, more playful tone", has_campaign=True)
    assert (command.checkpoint_id, command.text) == ("1f0abc", "same plan, more playful tone")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("x" * (MAX_MESSAGE_CHARS + 1), "too long"),
        ("edit social_post-02", "new text"),
        ("edit", "usage"),
        ("edit plan\n{not json", "not valid JSON"),
        ("edit plan\n[]", "non-empty JSON list"),
        ("reject social_post-01", "needs a reason"),
        ("reject social_post-01:   ", "needs a reason"),
        ("respond plan", "needs a note"),
        ("approve", "usage"),
        ("approve ../../etc/passwd", "not an asset id"),
        ("fork", "usage"),
        ("write me another campaign", "already running"),
    ],
)
def test_malformed_input_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_message(text, has_campaign=True)
