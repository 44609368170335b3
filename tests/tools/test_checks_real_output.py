"""Placeholders and unverified links in drafts written the way SmolLM2-135M writes them.

The first texts are modelled on the local model's output that a reviewer rejected at once
(``Dear [Mark],``, ``[unlimited]`` free returns, a made-up YouTube link); ``SMOLLM2_DRAFTS`` at
the end are verbatim drafts of the model; the markdown ones (links, task lists, footnotes) are
what must still pass.
"""

from __future__ import annotations

import pytest

from agents.base import Constraints
from tools.checks import bracketed_placeholders, failures, run_checks
from tools.link_sources import LinkSources, find_links, normalise_url, parse_domains

BRIEF = """# Spring linen launch
Brand: Loomwell
Goal: launch the spring linen collection; send readers to https://loomwell.example/spring
Audience: returning customers
Questions go to hello@loomwell.example.

1 email, 1 social post
"""

EMAIL_WITH_SLOTS = """Subject: Spring is here at Loomwell!

Dear [Mark],

We are so excited to share our new spring linen collection with you. Our linen is light, \
soft and made to last, and you can enjoy [unlimited] free returns all season long.

Watch the story of our linen here: https://www.youtube.com/watch?v=dQw4w9WgXcQ

Best regards,
[Name]
[Company]
"""

SOCIAL_POST_OK = (
    "🌸 Spring has sprung at Loomwell! Our new linen collection is light, breathable and "
    "made for sunny days. Shop now at [Loomwell](https://loomwell.example/spring/) "
    "#SpringLinen #Loomwell"
)

NEWSLETTER_MARKDOWN = """## What's new this spring

- [x] Linen shirts in five colours
- [ ] Matching trousers, coming in May

Read the [care guide][care] before the first wash.[^1] Sizes follow the chart [1].
Questions? Write to [our team](mailto:hello@loomwell.example).

[care]: https://help.loomwell.example/care
[^1]: Machine wash at 30°C.
"""

PRODUCT_COPY_INVENTED_PAGE = (
    "The Loomwell Linen Shirt is cut from European flax for a relaxed fit. It softens with "
    "every wash. Order yours at https://loomwell.example/products/linen-shirt-white or see "
    "the full range at [our shop](https://www.loomwell-shop.com/linen)."
)


def sources(*extra: str, domains: str = "") -> LinkSources:
    return LinkSources.from_texts([BRIEF, *extra], parse_domains(domains))


def test_email_with_template_slots_fails_placeholders_naming_each_slot() -> None:
    result = run_checks(EMAIL_WITH_SLOTS, Constraints(), sources())["placeholders"]
    assert not result.passed
    assert result.detail == "placeholder left in the text: [Mark], [unlimited], [Name], [Company]"


def test_email_with_an_invented_video_link_fails_links_naming_the_url() -> None:
    result = run_checks(EMAIL_WITH_SLOTS, Constraints(), sources())["links"]
    assert not result.passed
    assert "unverified links" in result.detail
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in result.detail


def test_failures_tell_the_specialist_and_the_reviewer_what_to_fix() -> None:
    lines = failures(run_checks(EMAIL_WITH_SLOTS, Constraints(), sources()))
    assert any(line.startswith("placeholders: ") and "[Mark]" in line for line in lines)
    assert any(line.startswith("links: ") and "youtube.com" in line for line in lines)


def test_link_quoted_in_the_brief_passes_even_with_a_trailing_slash() -> None:
    results = run_checks(SOCIAL_POST_OK, Constraints(), sources())
    assert results["links"].passed and results["placeholders"].passed


def test_links_syntax_only_without_sources() -> None:
    assert run_checks(EMAIL_WITH_SLOTS, Constraints())["links"].passed


def test_markdown_links_task_lists_footnotes_and_citations_are_not_placeholders() -> None:
    assert bracketed_placeholders(NEWSLETTER_MARKDOWN) == []
    results = run_checks(NEWSLETTER_MARKDOWN, Constraints(), sources(domains="loomwell.example"))
    assert results["placeholders"].passed and results["links"].passed


def test_reference_definition_url_is_checked_like_any_link() -> None:
    result = run_checks(NEWSLETTER_MARKDOWN, Constraints(), sources())["links"]
    assert not result.passed
    assert "https://help.loomwell.example/care" in result.detail
    assert "mailto:hello@loomwell.example" not in result.detail  # quoted in the brief


def test_invented_product_page_fails_unless_the_product_data_or_memory_has_it() -> None:
    bare = run_checks(PRODUCT_COPY_INVENTED_PAGE, Constraints(), sources())["links"]
    assert not bare.passed
    assert "https://loomwell.example/products/linen-shirt-white" in bare.detail
    assert "https://www.loomwell-shop.com/linen" in bare.detail
    product_page = "https://loomwell.example/products/linen-shirt-white"
    memory = "Fact: our online shop lives at www.loomwell-shop.com/linen."
    result = run_checks(PRODUCT_COPY_INVENTED_PAGE, Constraints(), sources(product_page, memory))
    assert result["links"].passed, result["links"].detail


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://loomwell.example/any/page", True),
        ("https://shop.loomwell.example/new", True),
        ("http://www.loomwell.example", True),
        ("https://loomwell.example.evil.test/spring", False),
        ("https://notloomwell.example/", False),
        ("mailto:press@loomwell.example", True),
        ("mailto:someone@gmail.com", False),
    ],
)
def test_allowed_domains_include_subdomains_only(url: str, allowed: bool) -> None:
    assert sources(domains=" Loomwell.example ,").allows(url) is allowed


def test_relative_links_and_anchors_are_not_provenance_checked() -> None:
    text = "See [the range](/spring) and [sizes](#sizes)."
    assert run_checks(text, Constraints(), LinkSources())["links"].passed


def test_normalised_urls_ignore_scheme_www_case_slash_and_fragment_but_keep_the_query() -> None:
    assert normalise_url("HTTPS://WWW.Loomwell.example/Spring/#top") == "loomwell.example/Spring"
    assert normalise_url("www.loomwell.example/a?b=1.") == "loomwell.example/a?b=1"
    assert normalise_url("loomwell.example/a?b=2") != normalise_url("loomwell.example/a?b=1")


def test_find_links_reads_urls_emails_and_bare_domains_from_prose() -> None:
    text = "Shop https://a.example/x, mail Team@B.example or visit c.example today."
    assert find_links(text) == ["https://a.example/x", "mailto:Team@B.example", "c.example"]


def test_a_bare_domain_in_the_brief_verifies_its_home_page_only() -> None:
    quoted = sources("Our site: loomwell-shop.com")
    assert quoted.allows("https://www.loomwell-shop.com/")
    assert not quoted.allows("https://www.loomwell-shop.com/sale")


@pytest.mark.parametrize(
    "text",
    [
        "Hi [First Name], your order is ready.",
        "Free shipping on orders over [amount].",
        "Call us at [phone number] today.",
        "Sign off: Best, [Name]",
    ],
)
def test_one_or_two_bracketed_words_are_placeholders(text: str) -> None:
    result = run_checks(text, Constraints())["placeholders"]
    assert not result.passed and "[" in result.detail


@pytest.mark.parametrize(
    "text",
    [
        "Read [the spring story](https://loomwell.example/spring).",
        "![Linen shirt](https://loomwell.example/shirt.jpg)",
        "Use `items[0]` in the template.",
        "Escaped \\[not slot\\] text.",
        "A note [^note] here.\n\n[^note]: A footnote.",
        "See [Spring] for more.\n\n[spring]: https://loomwell.example/spring",
        "Prices rose [12%] in 2024 [3].",
        "The collection has three colours [sand, sky and moss].",
    ],
)
def test_markdown_and_long_asides_are_not_placeholders(text: str) -> None:
    assert run_checks(text, Constraints())["placeholders"].passed, text


# Verbatim (trimmed) drafts of SmolLM2-135M-Instruct Q4_1 from our specialists (seed 42, spring
# linen briefs): each left template slots a reviewer had to remove by hand.
SMOLLM2_DRAFTS = [
    ("[email address]\nB", ["[email address]"]),
    (
        "Loomwell: The Spring Linen Collection\n\n[Sender's email]\n\nLoomwell,\n\nP.P.B.S.B.L.S.",
        ["[Sender's email]"],
    ),
    (
        'LONDON, UK (CNN) - "Loomwell" will launch its spring linen collection at the 2023 '
        "London Fashion Week.\n\n[LONDON, UK]\n[LONDON, UK]\n[SALON, France]\n[SALON, France]",
        ["[LONDON, UK]", "[SALON, France]"],
    ),
    (
        "ENDING:\nLoomwell is bringing together the latest fashion trends and the best of the "
        "best to provide customers with the best possible experience.\n\n[BODY]\n[BODY]\n[BODY]",
        ["[BODY]"],
    ),
]


@pytest.mark.parametrize(("draft", "slots"), SMOLLM2_DRAFTS)
def test_real_smollm2_drafts_with_slots_fail_naming_each_once(draft: str, slots: list[str]) -> None:
    result = run_checks(draft, Constraints())["placeholders"]
    assert not result.passed
    assert result.detail == "placeholder left in the text: " + ", ".join(slots)


LOOPED_NEWSLETTER = (
    "Loomwell.\n\nLoomwell.\n</bodier>\n\nLoomwell.\n</bodier>\n\nLoomwell.\n</bodier>\n\n"
    "Loomwell.\n</bodier>\n\nLoom"
)
"""The local model's newsletter of the first newcomer run: it passed every check."""


def test_a_looping_draft_with_invented_tags_fails_repetition_and_placeholders() -> None:
    results = run_checks(LOOPED_NEWSLETTER, Constraints(min_words=1, max_words=400))
    assert not results["repeated_sentences"].passed
    assert results["repeated_sentences"].detail == "the same line 5 times: loomwell"
    assert not results["placeholders"].passed
    assert "</bodier>" in results["placeholders"].detail


def test_html_a_markdown_draft_may_carry_and_a_chorus_of_two_pass() -> None:
    text = "Spring is here.<br>\n<strong>Linen</strong> for every table.\n\nShop now.\nShop now."
    results = run_checks(text, Constraints(min_words=1, max_words=400))
    assert results["repeated_sentences"].passed
    assert results["placeholders"].passed
