"""The event vocabulary and the lifecycle rules, as pure units."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tools.content_store.events import (
    HumanDecision,
    StatusChanged,
    StoreEvent,
    VersionCreated,
    make_event_key,
    normalized_edit_distance,
)
from tools.content_store.lifecycle import TRANSITIONS, Lifecycle
from tools.errors import IllegalTransition, InputError


def test_event_keys_are_deterministic_per_node_step_asset_version_and_type() -> None:
    key = make_event_key("t1", "review_gate", 7, "decision", "a1", 2)
    assert key == make_event_key("t1", "review_gate", 7, "decision", "a1", 2)
    assert key == "t1:review_gate:7:a1:2:decision"
    assert key != make_event_key("t1", "review_gate", 8, "decision", "a1", 2)


@pytest.mark.parametrize(
    ("before", "after", "distance"),
    [
        ("", "", 0.0),
        ("same words here", "same words here", 0.0),
        ("the quick brown fox", "the quick red fox", 0.25),
        ("one two", "", 1.0),
        ("a b c d", "a b c d e f g h", 0.5),
        ("completely different", "nothing alike at all", 1.0),
    ],
)
def test_edit_distance_is_word_levenshtein_over_the_longer_text(
    before: str, after: str, distance: float
) -> None:
    assert normalized_edit_distance(before, after) == pytest.approx(distance)


def test_an_edit_decision_records_its_diff_and_distance() -> None:
    edit = HumanDecision(gate="review", decision="edit", before="a\nb\n", after="a\nc\n")
    assert "-b\n" in edit.diff and "+c\n" in edit.diff
    assert edit.edit_distance == pytest.approx(0.5)
    approve = HumanDecision(gate="review", decision="approve")
    assert (approve.diff, approve.edit_distance) == ("", None)


def test_events_parse_back_from_json_with_their_typed_payload() -> None:
    original = StoreEvent(
        event_key="k", thread_id="t", asset_id="a", version=1, at=5.0,
        payload=StatusChanged(to_status="review", reason="checks passed"),
    )  # fmt: skip
    assert StoreEvent.model_validate_json(original.model_dump_json()) == original
    with pytest.raises(ValidationError):
        StoreEvent.model_validate({**original.model_dump(), "payload": {"type": "gossip"}})
    with pytest.raises(ValidationError, match="needs an asset_id and a version"):
        StoreEvent(event_key="k", thread_id="t", payload=StatusChanged(to_status="review"))


def _event(payload: object, version: int = 1) -> StoreEvent:
    return StoreEvent(event_key="k", thread_id="t", asset_id="a", version=version, payload=payload)  # type: ignore[arg-type]


def test_every_status_can_be_archived_except_archived_itself() -> None:
    assert all("archived" in moves for status, moves in TRANSITIONS.items() if status != "archived")
    assert TRANSITIONS["archived"] == frozenset()
    assert issubclass(IllegalTransition, InputError)


def test_a_refused_move_leaves_the_lifecycle_unchanged() -> None:
    lifecycle = Lifecycle.replay([_event(VersionCreated(author="w", text="x"))])
    with pytest.raises(IllegalTransition, match="draft -> approved is not allowed"):
        lifecycle.apply(_event(StatusChanged(to_status="approved")))
    assert lifecycle.current("t", "a") == (1, "draft")


def test_envelope_strings_are_capped_at_the_column_widths() -> None:
    with pytest.raises(ValidationError, match="at most 200"):
        StoreEvent(event_key="k", thread_id="t" * 201, payload=StatusChanged(to_status="review"))
