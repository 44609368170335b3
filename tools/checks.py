"""Deterministic checks the verifier runs on every draft.

Each check is a pure function of the text and the deliverable's ``Constraints`` (the links
check also of the ``LinkSources`` the draft may link to) and returns a ``CheckResult``;
``run_checks`` runs them all. No model is involved: the same text always gets the same results,
so tests and the verifier agree. A failed check's ``detail`` names what failed (the span, the
URL): the reviewer reads it on the review card and the specialist gets it as feedback. The
tone check (a classifier) lives in the verifier, not here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import partial

from pydantic import BaseModel

from tools.asset_kinds import Constraints
from tools.link_sources import LinkSources

CheckName = str
"""``length``, ``required_terms``, ``banned_terms``, ``links``, ``placeholders``,
``repeated_sentences`` (and ``tone`` added by the verifier)."""


class CheckResult(BaseModel):
    """The outcome of one check on one asset version."""

    passed: bool
    detail: str = ""
    """Why it failed (shown to the reviewer and sent to the specialist as feedback)."""


_WORD = re.compile(r"\b[\w'’-]+\b", re.UNICODE)
_PLACEHOLDERS = re.compile(
    r"\[(?:insert|your|add|placeholder|tbd|xx+)[^\]]*\]|\{\{[^}]*\}\}|<(?:insert|your)[^>]*>"
    r"|\blorem ipsum\b|\bTODO\b|\bTBD\b|\bFIXME\b|\bXXX\b",
    re.IGNORECASE,
)
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_LINK_SYNTAX = re.compile(
    r"!?\[[^\]\n]*\]\([^)\n]*\)"  # inline link or image: [text](url), ![alt](src)
    r"|\[[^\]\n]*\]\[[^\]\n]*\]"  # reference link: [text][ref], [text][]
    r"|^[ \t]*\[[^\]\n]+\]:[ \t]*\S+"  # reference definition: [ref]: https://...
    r"|\[\^[^\]\n]+\]"  # footnote: [^1]
    r"|^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\[[ xX]\]",  # task list item: - [ ] / - [x]
    re.MULTILINE,
)
_REFERENCE_LABEL = re.compile(r"^[ \t]*\[([^\]\n]+)\]:[ \t]*\S+", re.MULTILINE)
_BRACKETED = re.compile(r"(?<![\w\\\]])\[([^\[\]\n]{1,60})\](?![(\[])")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)(?:\s[^)]*)?\)")
_BARE_URL = re.compile(r"(?<![(\w])((?:https?|ftp|www\.)[^\s)>\]]*)", re.IGNORECASE)
_VALID_URL = re.compile(r"^(?:https?://|mailto:|/|#)[^\s<>\"']+$", re.IGNORECASE)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")


def word_count(text: str) -> int:
    """Words as a reader counts them (hyphenated and apostrophe words count once)."""
    return len(_WORD.findall(text))


def check_length(text: str, constraints: Constraints) -> CheckResult:
    """The text has between ``min_words`` and ``max_words`` words."""
    words = word_count(text)
    if words < constraints.min_words:
        return CheckResult(
            passed=False, detail=f"too short: {words} words, need at least {constraints.min_words}"
        )
    if words > constraints.max_words:
        return CheckResult(
            passed=False, detail=f"too long: {words} words, keep it under {constraints.max_words}"
        )
    return CheckResult(passed=True, detail=f"{words} words")


def _contains(text: str, term: str) -> bool:
    pattern = r"(?<!\w)" + re.escape(term.strip()) + r"(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def check_required_terms(text: str, constraints: Constraints) -> CheckResult:
    """Every required term appears (case-insensitive, whole words)."""
    missing = [term for term in constraints.required_terms if not _contains(text, term)]
    if missing:
        return CheckResult(passed=False, detail="missing required terms: " + ", ".join(missing))
    return CheckResult(passed=True)


def check_banned_terms(text: str, constraints: Constraints) -> CheckResult:
    """No banned term appears (case-insensitive, whole words)."""
    found = [term for term in constraints.banned_terms if _contains(text, term)]
    if found:
        return CheckResult(passed=False, detail="contains banned terms: " + ", ".join(found))
    return CheckResult(passed=True)


def check_links(
    text: str, constraints: Constraints, sources: LinkSources | None = None
) -> CheckResult:
    """Markdown links and bare URLs are well-formed (scheme, no spaces, no empty targets) and,
    given ``sources``, verified: every absolute link points where the brief, the product data,
    brand memory or an allowed domain says (``tools.link_sources``). Without ``sources`` only
    the syntax is checked (a reviewer's own edit is not second-guessed)."""
    bad: list[str] = []
    targets: list[str] = []
    for label, target in _MD_LINK.findall(text):
        if not target or not _VALID_URL.match(target):
            bad.append(f"[{label}]({target})")
        else:
            targets.append(target)
    stripped = _MD_LINK.sub(" ", text)
    for url in _BARE_URL.findall(stripped):
        candidate = url if not url.lower().startswith("www.") else "https://" + url
        if not _VALID_URL.match(candidate) or "." not in candidate.split("//", 1)[-1]:
            bad.append(url)
        else:
            targets.append(url.rstrip(".,;:!?"))
    problems = ["malformed links: " + ", ".join(bad[:5])] if bad else []
    unverified = _unverified(targets, sources)
    if unverified:
        problems.append(
            "unverified links (not in the brief, product data, brand memory or allowed "
            "domains): " + ", ".join(unverified[:5])
        )
    if problems:
        return CheckResult(passed=False, detail="; ".join(problems))
    return CheckResult(passed=True)


def _unverified(targets: list[str], sources: LinkSources | None) -> list[str]:
    if sources is None:
        return []
    absolute = [t for t in targets if not t.startswith(("/", "#"))]
    return list(dict.fromkeys(t for t in absolute if not sources.allows(t)))


def bracketed_placeholders(text: str) -> list[str]:
    """Bracketed spans of one or two words that are not markdown: ``[Mark]``, ``[Company]``,
    ``[unlimited]`` -- the writer's template slots and hedges left for a human to fill.

    Not placeholders: links and images (``[text](url)``, ``[text][ref]``, a ``[ref]`` with a
    ``[ref]: url`` definition), footnotes (``[^1]``), task-list boxes (``- [ ]``, ``- [x]``),
    numeric citations (``[1]``), escaped brackets and anything inside code.
    """
    prose = _CODE.sub(" ", text)
    defined = {label.strip().lower() for label in _REFERENCE_LABEL.findall(prose)}
    prose = _LINK_SYNTAX.sub(" ", prose)
    found: list[str] = []
    for match in _BRACKETED.finditer(prose):
        inner = match.group(1).strip()
        words = inner.split()
        if not 1 <= len(words) <= 2 or inner.lower() in defined:
            continue
        if all(re.fullmatch(r"[\d,.%-]+", word) for word in words):
            continue
        found.append(match.group(0))
    return found


def check_placeholders(text: str, constraints: Constraints) -> CheckResult:
    """No template leftovers: ``[INSERT ...]``, ``{{...}}``, ``Dear [Mark],``, lorem ipsum,
    TODO, TBD, and markup tags that are not HTML (``</bodier>``: small models invent them)."""
    found = [match.group(0) for match in _PLACEHOLDERS.finditer(text)]
    found += bracketed_placeholders(text)
    found += stray_tags(text)
    unique = list(dict.fromkeys(found))
    if unique:
        return CheckResult(
            passed=False, detail="placeholder left in the text: " + ", ".join(unique[:5])
        )
    return CheckResult(passed=True)


_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)\b[^<>\n]{0,200}?/?>")
_HTML_TAG_NAMES = (
    "a abbr b blockquote br code del div em h1 h2 h3 h4 h5 h6 hr i img ins li mark ol p pre "
    "s small span strong sub sup table tbody td th thead tr u ul"
)
_HTML_TAGS = frozenset(_HTML_TAG_NAMES.split())
"""Tags a markdown draft may legitimately carry; any other tag is a leftover."""


def stray_tags(text: str) -> list[str]:
    """Tags outside code that are not HTML a markdown renderer knows (``</bodyslug>``)."""
    prose = _CODE.sub(" ", text)
    return [m.group(0) for m in _TAG.finditer(prose) if m.group(1).lower() not in _HTML_TAGS]


def _normalized_sentences(text: str) -> list[str]:
    sentences = (re.sub(r"[^\w\s]", "", s).lower().split() for s in _SENTENCE_SPLIT.split(text))
    return [" ".join(words) for words in sentences if len(words) >= 4]


_LINE_REPEATS = 3
"""A line (of any length) this many times over is a loop, not a refrain."""


def _repeated_line(text: str) -> tuple[str, int] | None:
    lines = [" ".join(re.sub(r"[^\w\s]", "", line).lower().split()) for line in text.splitlines()]
    counts = Counter(line for line in lines if line)
    if not counts:
        return None
    line, count = counts.most_common(1)[0]
    return (line, count) if count >= _LINE_REPEATS else None


def check_repeated_sentences(text: str, constraints: Constraints) -> CheckResult:
    """No sentence of four or more words appears twice, and no line three times or more
    (small models loop: ``Loomwell.`` eight times over is no newsletter)."""
    looped = _repeated_line(text)
    if looped is not None:
        line, count = looped
        return CheckResult(passed=False, detail=f"the same line {count} times: {line[:80]}")
    seen: set[str] = set()
    repeated: list[str] = []
    for sentence in _normalized_sentences(text):
        if sentence in seen and sentence not in repeated:
            repeated.append(sentence)
        seen.add(sentence)
    if repeated:
        return CheckResult(passed=False, detail="repeated sentence: " + repeated[0][:80])
    return CheckResult(passed=True)


CHECKS: dict[CheckName, Callable[[str, Constraints], CheckResult]] = {
    "length": check_length,
    "required_terms": check_required_terms,
    "banned_terms": check_banned_terms,
    "links": check_links,
    "placeholders": check_placeholders,
    "repeated_sentences": check_repeated_sentences,
}
"""Every deterministic check, in the order they are reported."""


def run_checks(
    text: str, constraints: Constraints, sources: LinkSources | None = None
) -> dict[CheckName, CheckResult]:
    """Run every deterministic check on ``text``; ``sources`` are the link targets the draft
    may use (None: link syntax only, see ``check_links``)."""
    checks = CHECKS | {"links": partial(check_links, sources=sources)}
    return {name: check(text, constraints) for name, check in checks.items()}


def failures(results: dict[CheckName, CheckResult]) -> list[str]:
    """One feedback line per failed check (what the specialist is asked to fix)."""
    return [f"{name}: {result.detail}" for name, result in results.items() if not result.passed]
