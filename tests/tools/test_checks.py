"""The verifier's deterministic checks: each passes good text and catches its failure."""

from __future__ import annotations

import pytest

from agents.base import Constraints
from tools.checks import failures, run_checks, word_count

GOOD = "Loomwell linen is back for spring. Light, soft and made to last. See the [range](https://loomwell.example/spring)."


def test_good_text_passes_everything() -> None:
    results = run_checks(GOOD, Constraints(min_words=5, max_words=40, required_terms=["loomwell"]))
    assert failures(results) == []
    assert list(results) == [
        "length",
        "required_terms",
        "banned_terms",
        "links",
        "placeholders",
        "repeated_sentences",
    ]


def test_word_count_counts_hyphenated_and_apostrophe_words_once() -> None:
    assert word_count("Spring's well-made linen, 100% flax.") == 5


@pytest.mark.parametrize(
    ("min_words", "max_words", "passed", "detail"),
    [(1, 100, True, "words"), (50, 100, False, "too short"), (1, 5, False, "too long")],
)
def test_length_window(min_words: int, max_words: int, passed: bool, detail: str) -> None:
    result = run_checks(GOOD, Constraints(min_words=min_words, max_words=max_words))["length"]
    assert result.passed is passed and detail in result.detail


def test_required_and_banned_terms_are_whole_word_and_case_insensitive() -> None:
    constraints = Constraints(required_terms=["Loomwell", "summer"], banned_terms=["cheap", "soft"])
    results = run_checks(GOOD + " Not cheapest.", constraints)
    assert results["required_terms"].detail == "missing required terms: summer"
    assert results["banned_terms"].detail == "contains banned terms: soft"


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        ("Read [more](https://example.com/a?b=1).", True),
        ("Mail [us](mailto:hi@example.com) or see www.example.com today.", True),
        ("Read [more]() now.", False),
        ("Read [more](example dot com) now.", False),
        ("Go to https:/broken now.", False),
        ("Read [more](javascript:alert(1)) now.", False),
    ],
)
def test_link_syntax(text: str, passed: bool) -> None:
    assert run_checks(text, Constraints())["links"].passed is passed


@pytest.mark.parametrize(
    "text",
    [
        "Shop now [INSERT LINK].",
        "Hello {{first_name}}, welcome.",
        "Lorem ipsum dolor sit amet.",
        "TODO: add the price.",
        "Launch date TBD.",
        "Dear [Your Name], hi.",
    ],
)
def test_placeholders_are_caught(text: str) -> None:
    result = run_checks(text, Constraints())["placeholders"]
    assert not result.passed and result.detail.startswith("placeholder left in the text:")


def test_repeated_sentences_are_caught_but_short_ones_are_not() -> None:
    looped = "Our linen is soft and light. Buy now! Our linen is soft and light."
    assert not run_checks(looped, Constraints())["repeated_sentences"].passed
    assert run_checks("Buy now! Buy now!", Constraints())["repeated_sentences"].passed
