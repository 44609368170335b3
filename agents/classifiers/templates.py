"""Template banks the corpus is generated from (``data/templates/*.txt``).

A bank file is a list of sections ``## <owner> / <slot>`` (owner: a tone, a category or a
domain). Each line is one entry, except in ``frame`` sections where multi-line entries are
separated by a line holding ``---``. Lines starting with ``#`` outside frames are comments.

Entries are assigned to a split by their position in the bank, round-robin over
``SPLIT_CYCLE``: held-out and calibration rows are built only from templates that training
never sees, so the held-out score measures generalisation to new phrasings, not recall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Split = Literal["train", "calib", "heldout"]
SPLIT_CYCLE: tuple[Split, ...] = ("train", "train", "train", "calib", "heldout")
"""Position ``i`` in a bank goes to ``SPLIT_CYCLE[i % 5]`` (60% / 20% / 20%)."""

_HEADER = re.compile(r"## (\w+) / (\w+)")
"""A section header; markdown headings inside frames (``## {subhead}``) do not match it."""
TEMPLATE_DIR = Path(__file__).resolve().parent / "data" / "templates"


@dataclass
class Banks:
    """Entries by ``(owner, slot)``; ``for_split`` filters by position."""

    entries: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def for_split(self, owner: str, slot: str, split: Split | None) -> list[str]:
        """Entries of one bank assigned to ``split`` (all entries when ``split`` is None)."""
        bank = self.entries.get((owner, slot), [])
        if split is None:
            return bank
        return [entry for i, entry in enumerate(bank) if SPLIT_CYCLE[i % len(SPLIT_CYCLE)] == split]

    def has(self, owner: str, slot: str) -> bool:
        return (owner, slot) in self.entries

    def owners(self) -> list[str]:
        return sorted({owner for owner, _ in self.entries})


def parse_banks(path: Path) -> Banks:
    """Read one bank file."""
    banks = Banks()
    key: tuple[str, str] | None = None
    frame_lines: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        header = _HEADER.fullmatch(raw)
        if header:
            _flush_frame(banks, key, frame_lines)
            key = (header[1], header[2])
            banks.entries[key] = []
        elif key is None or (raw.startswith("#") and key[1] != "frame"):
            continue
        elif key[1] == "frame":
            if raw.strip() == "---":
                _flush_frame(banks, key, frame_lines)
            else:
                frame_lines.append(raw)
        elif raw.strip():
            banks.entries[key].append(raw.strip())
    _flush_frame(banks, key, frame_lines)
    return banks


def _flush_frame(banks: Banks, key: tuple[str, str] | None, lines: list[str]) -> None:
    if key is not None and key[1] == "frame" and "".join(lines).strip():
        banks.entries[key].append("\n".join(lines).strip("\n"))
    lines.clear()


def load_template_banks(template_dir: Path = TEMPLATE_DIR) -> tuple[Banks, Banks, Banks]:
    """The tone, category and domain banks."""
    return (
        parse_banks(template_dir / "tone.txt"),
        parse_banks(template_dir / "category.txt"),
        parse_banks(template_dir / "domains.txt"),
    )
