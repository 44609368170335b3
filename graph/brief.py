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
from tools.errors import InputError

MAX_BRIEF_CHARS = 200_000
"""Default size cap of a brief (room for a product list of a few thousand SKUs)."""
MAX_PRODUCTS = 5_000
"""Most products one brief may list."""

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
    count: int = Field(default=1, ge=1, le=100)
    """How many distinct assets (``10 social posts`` -> 10)."""
    channel: str = ""
    """Where it goes; empty: the planner picks the kind's default channel."""
    variants: int = Field(default=1, ge=1, le=5)
    """A/B variants per asset."""
    max_words: int | None = None
    """A length hint from the brief (e.g. derived from ``60-second``)."""


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


def _terms(value: str) -> list[str]:
    return [t.strip().strip("\"'") for t in re.split(r"[,;]", value) if t.strip().strip("\"'")]


def _parse_fields(text: str) -> dict[str, object]:
    fields: dict[str, object] = {}
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        if not match or match.group(1).strip().lower() not in _KEYS:
            continue
        key, value = _KEYS[match.group(1).strip().lower()], match.group(2)
        if key in ("required_terms", "banned_terms"):
            fields[key] = [*list(fields.get(key, [])), *_terms(value)]  # type: ignore[call-overload]
        elif key == "budget_usd":
            number = re.search(r"\d+(?:\.\d+)?", value.replace(",", ""))
            if number is None:
                raise InputError(f"budget {value!r} is not an amount in USD")
            fields[key] = float(number.group(0))
        elif key == "tone":
            tone = value.strip().lower().split()[0].strip(".,")
            if tone not in TONES:
                raise InputError(f"unknown tone {value!r}: use one of {', '.join(TONES)}")
            fields[key] = tone
        else:
            fields[key] = value.strip()
    return fields


def _title_and_goal(text: str, fields: dict[str, object]) -> None:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    heading = next((ln.lstrip("#").strip() for ln in lines if ln.startswith("#")), "")
    prose = next((ln for ln in lines if not ln.startswith("#") and not _KEY_LINE.match(ln)), "")
    fields.setdefault("title", heading or (prose[:60] if prose else "Campaign"))
    fields.setdefault("goal", prose or heading)


def parse_brief(raw: str, *, max_chars: int = MAX_BRIEF_CHARS) -> Brief:
    """Parse and validate a brief; ``InputError`` says what is wrong."""
    text = clean_text(raw, max_chars=max_chars)
    if not text:
        raise InputError("the brief is empty: say what the campaign should produce")
    if len(re.findall(r"\w", text)) < 3:
        raise InputError("the brief has no words: say what the campaign should produce")
    fields = _parse_fields(text)
    _title_and_goal(text, fields)
    products = find_products(text)
    try:
        requests = find_requests(text, products)
        return Brief(text=text, requests=requests, products=products, **fields)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"brief field {where}: {first['msg']}") from None


def read_products_csv(text: str) -> list[dict[str, str]]:
    """Rows of a product CSV (header row required; a ``sku`` or ``name`` column)."""
    reader = csv.DictReader(io.StringIO(text.strip()))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not ({"sku", "name"} & set(header)):
        raise InputError("the product list needs a header row with a 'sku' or 'name' column")
    rows: list[dict[str, str]] = []
    for row in reader:
        clean = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if any(clean.values()):
            rows.append(clean)
    if len(rows) > MAX_PRODUCTS:
        raise InputError(f"too many products: {len(rows)}, the limit is {MAX_PRODUCTS}")
    return rows


_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "twenty": 20,
}  # fmt: skip
_COUNT = r"(\d{1,3}|" + "|".join(_NUMBERS) + r")"
_EMAIL = r"(?:marketing|promo(?:tional)?|welcome|launch|announcement)\s+emails?\b"
_SOCIAL_CHANNELS = ("instagram", "linkedin", "facebook", "tiktok", "twitter", "threads", "x")


def _count(token: str | None, default: int = 1) -> int:
    if not token:
        return default
    return int(token) if token.isdigit() else _NUMBERS.get(token.lower(), default)


def _social_channel(text: str) -> str:
    for channel in _SOCIAL_CHANNELS:
        if re.search(rf"\b{channel}\b", text) and channel != "x":
            return channel
    return "social"


def _simple_request(
    text: str, pattern: str, kind: AssetKind, channel: str = ""
) -> DeliverableRequest | None:
    match = re.search(rf"(?:\b{_COUNT}\s+)?(?:[\w-]+\s+)?\b(?:{pattern})", text)
    if match is None:
        return None
    return DeliverableRequest(
        asset_kind=kind, count=min(_count(match.group(1)), 100), channel=channel
    )


def _video_request(text: str) -> DeliverableRequest | None:
    if not re.search(r"video\s+scripts?|\bvideo\b", text):
        return None
    seconds = re.search(r"(\d{1,3})[- ]?(?:second|sec|s)\b", text)
    max_words = int(int(seconds.group(1)) * 2.6) if seconds else None
    return DeliverableRequest(asset_kind="video_script", channel="video", max_words=max_words)


def find_requests(text: str, products: list[dict[str, str]]) -> list[DeliverableRequest]:
    """The deliverables a brief asks for, found by phrase (``10 social posts`` ...)."""
    lower = text.lower()
    found: list[DeliverableRequest | None] = [
        _simple_request(lower, r"newsletters?\b", "newsletter", "email"),
        _simple_request(lower, r"(?:social(?:\s+media)?\s+)?posts?\b", "social_post"),
        _video_request(lower),
        _simple_request(lower, _EMAIL, "email", "email"),
        _simple_request(lower, r"blog\s+(?:articles?|posts?)", "blog_article", "blog"),
        _simple_request(lower, r"ad(?:vert)?s?\s+cop(?:y|ies)|\bads?\b", "ad_copy", "ads"),
        _simple_request(lower, r"(?:visual\s+briefs?|image\s+prompts?)", "visual_brief", "design"),
    ]
    requests = [r for r in found if r is not None]
    for request in requests:
        if request.asset_kind == "social_post":
            request.channel = _social_channel(lower)
        if request.asset_kind == "blog_article":
            requests = [r for r in requests if r.asset_kind != "social_post" or "social" in lower]
    if products or re.search(r"product\s+(?:descriptions?|copy)", lower):
        variants = re.search(rf"{_COUNT}?\s*a/b\s+variants?", lower)
        count = _count(variants.group(1), 2) if variants else 1
        requests.append(
            DeliverableRequest(
                asset_kind="product_description", channel="shop", variants=min(count, 5)
            )
        )
        if re.search(r"\bseo\b", lower):
            requests.append(DeliverableRequest(asset_kind="seo_meta", channel="shop"))
    return requests


_CSV_BLOCK = re.compile(r"```(?:csv)?\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)
_PRODUCTS_SECTION = re.compile(r"^#+\s*products?\b[^\n]*\n(.*?)(?=^#|\Z)", re.M | re.S | re.I)


def find_products(text: str) -> list[dict[str, str]]:
    """Products listed in a fenced CSV block or under a ``## Products`` heading."""
    block = _CSV_BLOCK.search(text)
    if block:
        return read_products_csv(block.group(1))
    section = _PRODUCTS_SECTION.search(text)
    if section is None:
        return []
    body = section.group(1).strip()
    if "," in body.splitlines()[0] if body else False:
        return read_products_csv(body)
    items = [
        ln.lstrip("-* ").strip() for ln in body.splitlines() if ln.strip().startswith(("-", "*"))
    ]
    return [{"name": item} for item in items if item]
