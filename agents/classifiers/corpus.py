"""The labelled triage corpus: generated once from the template banks, kept as JSONL.

Every row carries both labels (a tone and a category), a domain and its split. Rows are
rendered from a category frame whose tone-bearing slots (greeting, lines, headline, call to
action, sign-off) are filled from one tone's phrase bank and whose remaining slots come from
a domain's fillers, with a fixed seed. ``corpus/train.jsonl`` holds the ``train`` and
``calib`` rows; ``corpus/heldout.jsonl`` holds the held-out rows and is read only by the
benchmark and the quality test, never by training.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import product as cartesian
from pathlib import Path

from agents.classifiers.labels import CATEGORIES, TONES
from agents.classifiers.templates import Banks, Split, load_template_banks

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"
TRAIN_FILE = "train.jsonl"
HELDOUT_FILE = "heldout.jsonl"
SEED = 20261124
ROWS_PER_PAIR: dict[Split, int] = {"train": 30, "calib": 8, "heldout": 10}
"""Rows per (tone, category) pair and split: 1260 / 336 / 420 rows."""

TONE_SLOTS = frozenset({"line", "greeting", "signoff", "headline", "cta"})
STICKY_SLOTS = frozenset({"brand", "product", "first_name", "last_name", "sender", "author"})
GENERIC: dict[str, tuple[str, ...]] = {
    "first_name": ("Alex", "Sam", "Jordan", "Nina", "Omar", "Lena", "Kenji", "Chloe", "Ravi"),
    "last_name": ("Smith", "Patel", "Nguyen", "Garcia", "Müller", "Okoro", "Rossi"),
    "date": ("12 March", "Friday 4 April", "30 June", "1 September", "15 November", "Monday"),
    "month": ("January", "March", "May", "June", "September", "October", "December"),
    "year": ("2024", "2025", "2026"),
    "number": ("3", "5", "7", "12", "20", "48", "150"),
    "percent": ("10", "15", "20", "25", "30", "40", "50"),
    "hours": ("6", "12", "24", "48"),
    "deadline": ("midnight tonight", "this Sunday", "tomorrow at noon", "Friday at 5 pm"),
    "city": ("Lisbon", "Berlin", "Austin", "Leeds", "Melbourne", "Toronto", "Lyon"),
    "price": ("$19", "€49", "£29.99", "$129", "€9.90", "$4.99"),
    "material": ("recycled aluminium", "organic cotton", "solid oak", "stainless steel"),
    "dimensions": ("30 x 20 x 10 cm", "120 x 60 cm", "15 cm tall", "one size fits most"),
    "care": ("machine wash cold", "wipe clean with a damp cloth", "hand wash only"),
    "colours": ("sand, olive and black", "white and grey", "three seasonal shades"),
    "spec_short": ("a charging cable", "a cotton storage bag", "a spare filter"),
    "role": ("Head of Content", "Senior Editor", "Chief Marketing Officer", "Guest Writer"),
    "sku": ("BL-20417", "A9-3321", "SKU 88120", "100-4472"),
}


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    example_id: str
    text: str
    tone: str
    category: str
    domain: str
    split: Split


class _Renderer:
    """Fills one frame; sticky slots (brand, product, names) stay fixed within a text."""

    def __init__(self, banks: tuple[Banks, Banks, Banks], rng: random.Random) -> None:
        self.tone_banks, self.category_banks, self.domain_banks = banks
        self.rng = rng

    def render(self, tone: str, category: str, domain: str, split: Split) -> str:
        self.tone, self.category, self.domain, self.split = tone, category, domain, split
        self.sticky: dict[str, str] = {}
        self.unused: dict[tuple[str, str], list[str]] = {}
        frame = self.rng.choice(self.category_banks.for_split(category, "frame", split))
        return _tidy(self._fill(frame, depth=0))

    def _fill(self, template: str, depth: int) -> str:
        if depth > 4:
            raise ValueError(f"template nesting too deep: {template[:60]!r}")
        return re.sub(
            r"\{(\w+)\}", lambda m: self._fill(self._slot(m.group(1)), depth + 1), template
        )

    def _slot(self, slot: str) -> str:
        if slot in STICKY_SLOTS:
            if slot not in self.sticky:
                self.sticky[slot] = self._fresh(slot)
            return self.sticky[slot]
        return self._fresh(slot)

    def _fresh(self, slot: str) -> str:
        rng = self.rng
        if slot == "para":
            return " ".join(self._slot("line") for _ in range(rng.randint(2, 4)))
        if slot == "paras":
            return "\n\n".join(self._slot("para") for _ in range(rng.randint(1, 3)))
        if slot in TONE_SLOTS:
            return self._draw(self.tone_banks, self.tone, slot, self.split)
        if self.category_banks.has(self.category, slot):
            return self._draw(self.category_banks, self.category, slot, self.split)
        if self.domain_banks.has(self.domain, slot):
            return rng.choice(self.domain_banks.for_split(self.domain, slot, None))
        return self._derived(slot)

    def _draw(self, banks: Banks, owner: str, slot: str, split: Split) -> str:
        """An entry not yet used in this text (repeats only once a bank is exhausted)."""
        pool = self.unused.get((owner, slot))
        if not pool:
            pool = list(banks.for_split(owner, slot, split))
            self.rng.shuffle(pool)
            self.unused[(owner, slot)] = pool
        return pool.pop()

    def _derived(self, slot: str) -> str:
        brand = self._slot("brand") if slot != "brand" else ""
        handle = re.sub(r"[^a-z0-9]", "", brand.lower())
        derived = {
            "brand_upper": brand.upper(),
            "brand_tag": handle,
            "url": f"{handle}.com",
            "sender_email": f"hello@{handle}.com",
            "hashtags": " ".join(
                "#" + tag
                for tag in self.rng.sample(self.domain_banks.for_split(self.domain, "tag", None), 2)
            ),
        }
        if slot in derived:
            return derived[slot]
        if slot in GENERIC:
            return self.rng.choice(GENERIC[slot])
        raise KeyError(f"no filler for slot {{{slot}}} ({self.category}/{self.tone})")


def _tidy(text: str) -> str:
    """Capitalise line and sentence starts that a lower-case filler left lower-case."""
    text = re.sub(
        r"(^|\n)([ \t•\-→>✔*#:0-9/.]*)([a-z])", lambda m: m[1] + m[2] + m[3].upper(), text
    )
    return re.sub(r"([.!?] )([a-z])", lambda m: m[1] + m[2].upper(), text).strip()


def generate(seed: int = SEED, rows_per_pair: dict[Split, int] = ROWS_PER_PAIR) -> list[Example]:
    """All rows of all splits, deterministic for a seed."""
    banks = load_template_banks()
    domains = [d for d in banks[2].owners()]
    rng = random.Random(seed)
    renderer = _Renderer(banks, rng)
    rows: list[Example] = []
    for split, count in rows_per_pair.items():
        for n, (tone, category) in enumerate(cartesian(TONES, CATEGORIES)):
            for k in range(count):
                domain = domains[(n + k * 7) % len(domains)]
                text = renderer.render(tone, category, domain, split)
                rows.append(
                    Example(f"{split}-{len(rows):05d}", text, tone, category, domain, split)
                )
    return rows


def write_corpus(rows: Iterable[Example], corpus_dir: Path = CORPUS_DIR) -> dict[str, int]:
    """Write train (train + calib rows) and held-out JSONL files; returns row counts per file."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    counts = {TRAIN_FILE: 0, HELDOUT_FILE: 0}
    files = {name: (corpus_dir / name).open("w", encoding="utf-8") for name in counts}
    with files[TRAIN_FILE], files[HELDOUT_FILE]:
        for row in rows:
            name = HELDOUT_FILE if row.split == "heldout" else TRAIN_FILE
            files[name].write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
            counts[name] += 1
    return counts


def read_corpus(path: Path) -> list[Example]:
    """Rows of one JSONL corpus file."""
    with path.open(encoding="utf-8") as handle:
        return [Example(**json.loads(line)) for line in handle if line.strip()]


if __name__ == "__main__":
    print(write_corpus(generate()))
