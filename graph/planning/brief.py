"""The campaign brief: a pydantic model parsed from free text or markdown.

A brief is what a team member writes ("this week's newsletter, 10 social posts and a
60-second video script for the spring launch"). ``parse_brief`` cleans it (size cap, invisible
Unicode stripped), reads ``key: value`` lines (brand, goal, tone, budget, due, required/banned
terms, audience), finds the deliverables it asks for and any product list (a CSV block or a
``## Products`` section). Anything it cannot use is an ``InputError`` with a clear message.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date

from pydantic import BaseModel, Field, ValidationError

from agents.base import AssetKind, Tone
from tools.asset_kinds import ASSET_KINDS
from tools.errors import BriefInvalid, InputError

MAX_BRIEF_CHARS = 200_000
"""Default size cap of a brief (room for a product list of a few thousand SKUs)."""
MAX_PRODUCTS = 5_000
"""Most products one brief may list."""
MAX_VARIANTS = 5
"""Most A/B variants per asset."""

TONES: tuple[Tone, ...] = (
    "formal",
    "friendly",
    "playful",
    "urgent",
    "inspirational",
    "informative",
)
_KEEP_CONTROL = {"\n", "\t"}


class DeliverableRequest(BaseModel):
    """One line of what the brief asks for, before planning."""

    asset_kind: AssetKind
    count: int = Field(default=1, ge=1)
    """How many distinct assets (``10 social posts`` -> 10); the upper bound is a setting
    (``brief_max_count``), checked by ``graph.planning.checks``."""
    channel: str = ""
    """Where it goes; empty: the planner picks the kind's default channel."""
    variants: int = Field(default=1, ge=1)
    """A/B variants per asset (at most ``MAX_VARIANTS``, checked by ``graph.planning.checks``)."""
    max_words: int | None = None
    """A length hint from the brief (e.g. derived from ``60-second``)."""
    line: int = 0
    """The brief line that asked for it (1-based; 0: not from a line), for error messages."""


class Brief(BaseModel):
    """A validated campaign brief."""

    text: str
    """The cleaned brief text (what the classifiers read)."""
    title: str = "Campaign"
    brand: str = "Brandloom"
    """Brand name; also the brand-memory namespace."""
    goal: str = ""
    audience: str = ""
    tone: Tone | None = None
    """Requested tone; None: intake asks the tone classifier."""
    categories: list[str] = Field(default_factory=list)
    """Content categories the brief asks for (filled by triage when the brief names none)."""
    budget_usd: float | None = Field(default=None, ge=0)
    """Spend cap for the campaign; None: the settings default."""
    due_date: date | None = None
    required_terms: list[str] = Field(default_factory=list)
    banned_terms: list[str] = Field(default_factory=list)
    requests: list[DeliverableRequest] = Field(default_factory=list)
    products: list[dict[str, str]] = Field(default_factory=list)
    """Product rows (``sku``, ``name``, ``features`` ...) for product copy."""
    notes: list[str] = Field(default_factory=list)
    """Notes added by humans at the plan gate (``respond``)."""


def clean_text(raw: str, *, max_chars: int = MAX_BRIEF_CHARS) -> str:
    """NFC-normalise, drop invisible format/control characters, enforce the size cap."""
    if not isinstance(raw, str):
        raise InputError("the brief must be text")
    if len(raw) > max_chars:
        raise InputError(f"the brief is too long: {len(raw)} characters, the limit is {max_chars}")
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n"))
    kept = (
        ch
        for ch in text
        if ch in _KEEP_CONTROL or unicodedata.category(ch) not in ("Cf", "Cc", "Co", "Cs")
    )
    return "".join(kept).strip()


_KEYS: dict[str, str] = {
    "title": "title",
    "campaign": "title",
    "brand": "brand",
    "goal": "goal",
    "objective": "goal",
    "audience": "audience",
    "tone": "tone",
    "budget": "budget_usd",
    "due": "due_date",
    "due date": "due_date",
    "deadline": "due_date",
    "required terms": "required_terms",
    "required": "required_terms",
    "must include": "required_terms",
    "banned terms": "banned_terms",
    "banned": "banned_terms",
    "avoid": "banned_terms",
}
_KEY_LINE = re.compile(r"^\s*[-*]?\s*\**([A-Za-z ]{3,20}?)\**\s*:\s*(.+?)\s*$")
_AMOUNT = re.compile(
    r"^(?:usd\s*)?\$?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(?:usd|dollars?)?\.?"
    r"(?:\s+[a-z(].*|\s*[(;].*)?$",
    re.IGNORECASE,
)
"""A budget: ``$20``, ``20.50``, ``$1,000``, ``20 USD`` (an optional note may follow);
never a sign, an exponent or a bare word, so ``-$5`` or ``1e9`` is refused, not misread."""


class Problems:
    """Problems found in a brief, each with the line it came from (1-based; 0: no line)."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self.found.append((line, message))

    def raise_if_any(self) -> None:
        if self.found:
            raise BriefInvalid(sorted(self.found, key=lambda item: item[0]))


def parse_amount(value: str) -> float | None:
    """A budget in USD from brief text (see ``_AMOUNT``); None when it is not one."""
    match = _AMOUNT.match(value.strip())
    if match is None:
        return None
    return float(match.group(1).replace(",", "") + (match.group(2) or ""))


def _terms(value: str) -> list[str]:
    return [t.strip().strip("\"'") for t in re.split(r"[,;]", value) if t.strip().strip("\"'")]


def _field_value(key: str, value: str, line: int, problems: Problems) -> object | None:
    """The typed value of one ``key: value`` line, or None after recording a problem."""
    if key == "budget_usd":
        amount = parse_amount(value)
        if amount is None:
            problems.add(
                line, f"budget {value!r} is not an amount in USD (write e.g. $20 or 20.50)"
            )
        return amount
    if key == "tone":
        tone = value.strip().lower().split()[0].strip(".,")
        if tone not in TONES:
            problems.add(line, f"unknown tone {value!r}: use one of {', '.join(TONES)}")
            return None
        return tone
    if key == "due_date":
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            problems.add(line, f"due date {value!r} is not a date: write it as YYYY-MM-DD")
            return None
    return value.strip()


def _parse_fields(text: str, problems: Problems) -> dict[str, object]:
    """Fields from ``key: value`` lines (problems are recorded with their line)."""
    fields: dict[str, object] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _KEY_LINE.match(line)
        if not match or match.group(1).strip().lower() not in _KEYS:
            continue
        key, value = _KEYS[match.group(1).strip().lower()], match.group(2)
        if key in ("required_terms", "banned_terms"):
            fields[key] = [*list(fields.get(key, [])), *_terms(value)]  # type: ignore[call-overload]
            continue
        typed = _field_value(key, value, number, problems)
        if typed is not None:
            fields[key] = typed
    return fields


def _title_and_goal(text: str, fields: dict[str, object]) -> None:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    heading = next((ln.lstrip("#").strip() for ln in lines if ln.startswith("#")), "")
    prose = next((ln for ln in lines if not ln.startswith("#") and not _KEY_LINE.match(ln)), "")
    fields.setdefault("title", heading or (prose[:60] if prose else "Campaign"))
    fields.setdefault("goal", prose or heading)


def parse_brief(raw: str, *, max_chars: int = MAX_BRIEF_CHARS) -> Brief:
    """Parse a brief; ``BriefInvalid`` lists every problem found, each with its line.

    Parsing only reads what the brief says; the limits a campaign must respect (counts, budget,
    plan size, something to make) are checked by ``graph.planning.checks.checked_brief``.
    """
    brief, problems = read_brief(raw, max_chars=max_chars)
    problems.raise_if_any()
    return brief


def read_brief(raw: str, *, max_chars: int = MAX_BRIEF_CHARS) -> tuple[Brief, Problems]:
    """The brief built from every part that parses, and the problems of the parts that do not
    (so a caller can add its own checks and report everything at once). Text that is not a
    brief at all (not text, too long, empty) is an ``InputError`` at once."""
    text = clean_text(raw, max_chars=max_chars)
    if not text:
        raise InputError("the brief is empty: say what the campaign should produce")
    if len(re.findall(r"\w", text)) < 3:
        raise InputError("the brief has no words: say what the campaign should produce")
    problems = Problems()
    fields = _parse_fields(text, problems)
    _title_and_goal(text, fields)
    products = find_products(text, problems)
    requests = find_requests(text, products, problems)
    try:
        brief = Brief(text=text, requests=requests, products=products, **fields)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"brief field {where}: {first['msg']}") from None
    return brief, problems


def read_products_csv(
    text: str, problems: Problems | None = None, first_line: int = 1
) -> list[dict[str, str]]:
    """Rows of a product CSV (header row required; a ``sku`` or ``name`` column).

    ``first_line`` is the header's line in the brief, so problems name the brief's lines.
    Without ``problems`` the first problem is raised at once.
    """
    found = problems or Problems()
    reader = csv.DictReader(io.StringIO(text.strip()))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not ({"sku", "name"} & set(header)):
        found.add(first_line, "the product list needs a header row with a 'sku' or 'name' column")
        return _raise_alone(found, problems)
    rows: list[dict[str, str]] = []
    for row in reader:
        clean = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not any(clean.values()):
            continue
        if not (clean.get("sku") or clean.get("name")):
            line = first_line + reader.line_num - 1
            found.add(line, "a product row has neither a sku nor a name")
            continue
        rows.append(clean)
    if not rows and not found.found:
        found.add(first_line, "the product list has a header but no products")
    if len(rows) > MAX_PRODUCTS:
        found.add(first_line, f"too many products: {len(rows)}, the limit is {MAX_PRODUCTS}")
    return _raise_alone(found, problems) if problems is None and found.found else rows


def _raise_alone(found: Problems, problems: Problems | None) -> list[dict[str, str]]:
    if problems is None:
        raise InputError(found.found[0][1])
    return []


_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "twenty": 20,
}  # fmt: skip
_COUNT = r"(\d{1,3}(?:,\d{3})+|\d+|" + "|".join(_NUMBERS) + r")"
"""A count right before what it counts, on the same line: ``10``, ``10,000``, ``ten``."""
_SOCIAL_CHANNELS = ("instagram", "linkedin", "facebook", "tiktok", "twitter", "threads", "x")


def _count(token: str | None, default: int = 1) -> int:
    if not token:
        return default
    digits = token.replace(",", "")
    return int(digits) if digits.isdigit() else _NUMBERS.get(token.lower(), default)


def _social_channel(text: str) -> str:
    for channel in _SOCIAL_CHANNELS:
        if re.search(rf"\b{channel}\b", text) and channel != "x":
            return channel
    return "social"


def _first_line_match(lines: list[str], pattern: str) -> tuple[int, re.Match[str]] | None:
    """The first line matching ``pattern`` (1-based number, match); lines never run together,
    so a number ending one line is never read as the count of the next."""
    compiled = re.compile(pattern)
    for number, line in enumerate(lines, start=1):
        match = compiled.search(line)
        if match is not None:
            return number, match
    return None


def _simple_request(
    lines: list[str], pattern: str, kind: AssetKind, problems: Problems, channel: str = ""
) -> DeliverableRequest | None:
    found = _first_line_match(lines, rf"(?:\b{_COUNT}[ \t]+)?(?:[\w-]+[ \t]+)?\b(?:{pattern})")
    if found is None:
        return None
    line, match = found
    count = _count(match.group(1))
    if count < 1:
        problems.add(line, f"{match.group(0).strip()!r}: ask for at least one")
        return None
    return DeliverableRequest(asset_kind=kind, count=count, channel=channel, line=line)


def _video_request(lines: list[str]) -> DeliverableRequest | None:
    found = _first_line_match(lines, ASSET_KINDS["video_script"].brief_pattern)
    if found is None:
        return None
    text = "\n".join(lines)
    seconds = re.search(r"(\d{1,3})[- ]?(?:second|sec|s)\b", text)
    max_words = int(int(seconds.group(1)) * 2.6) if seconds else None
    channel = ASSET_KINDS["video_script"].channel
    return DeliverableRequest(
        asset_kind="video_script", channel=channel, max_words=max_words, line=found[0]
    )


def find_requests(
    text: str, products: list[dict[str, str]], problems: Problems | None = None
) -> list[DeliverableRequest]:
    """The deliverables a brief asks for, found by phrase (``10 social posts`` ...)."""
    found_problems = problems or Problems()
    lower = text.lower()
    lines = lower.splitlines()

    found: list[DeliverableRequest | None] = [
        _video_request(lines)
        if kind == "video_script"
        else _simple_request(lines, spec.brief_pattern, kind, found_problems, spec.channel)
        for kind, spec in ASSET_KINDS.items()
        if not spec.per_product
    ]
    requests = [r for r in found if r is not None]
    for request in requests:
        if request.asset_kind == "social_post":
            request.channel = _social_channel(lower)
        if request.asset_kind == "blog_article":
            requests = [r for r in requests if r.asset_kind != "social_post" or "social" in lower]
    product = ASSET_KINDS["product_description"]
    product_ask = _first_line_match(lines, product.brief_pattern)
    if products or product_ask:
        variants = re.search(rf"{_COUNT}?\s*a/b\s+variants?", lower)
        count = _count(variants.group(1), 2) if variants else 1
        line = product_ask[0] if product_ask else 0
        requests.append(
            DeliverableRequest(
                asset_kind="product_description", channel=product.channel, variants=count, line=line
            )
        )
        seo = ASSET_KINDS["seo_meta"]
        if re.search(seo.brief_pattern, lower):
            requests.append(
                DeliverableRequest(asset_kind="seo_meta", channel=seo.channel, line=line)
            )
    if problems is None:
        found_problems.raise_if_any()
    return requests


_CSV_BLOCK = re.compile(r"```(?:csv)?\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)
_PRODUCTS_SECTION = re.compile(r"^#+\s*products?\b[^\n]*\n(.*?)(?=^#|\Z)", re.M | re.S | re.I)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def find_products(text: str, problems: Problems | None = None) -> list[dict[str, str]]:
    """Products listed in a fenced CSV block or under a ``## Products`` heading.

    A list that is there but names no product is a problem, not an empty list: a brief for
    "these products" with none given must not turn into generic copy.
    """
    found = problems or Problems()
    block = _CSV_BLOCK.search(text)
    if block:
        return read_products_csv(block.group(1), found, _line_of(text, block.start(1)))
    section = _PRODUCTS_SECTION.search(text)
    if section is None:
        return []
    body = section.group(1).strip()
    first_line = _line_of(text, section.start(1) + section.group(1).find(body[:1]))
    if body and "," in body.splitlines()[0]:
        return read_products_csv(body, found, first_line)
    items = [
        ln.lstrip("-* ").strip() for ln in body.splitlines() if ln.strip().startswith(("-", "*"))
    ]
    listed = [{"name": item} for item in items if item]
    if not listed:
        found.add(_line_of(text, section.start()), "the Products section lists no products")
    if problems is None:
        found.raise_if_any()
    return listed
