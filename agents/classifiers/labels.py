"""The label sets of the two triage tasks (shared by the corpus, the heads and the CLI)."""

from __future__ import annotations

from typing import Literal, get_args

from agents.base import Tone

Category = Literal[
    "newsletter",
    "social_post",
    "product_description",
    "ad_copy",
    "video_script",
    "email",
    "blog_article",
]
"""Content categories; spelled like ``AssetKind`` where they overlap."""

Task = Literal["tone", "category"]
"""The two classification tasks; one head each on the shared encoder."""

TONES: tuple[str, ...] = get_args(Tone)
CATEGORIES: tuple[str, ...] = get_args(Category)
TASK_LABELS: dict[str, tuple[str, ...]] = {"tone": TONES, "category": CATEGORIES}
"""Task -> its labels, in the order of the head's output units."""
TASKS: tuple[Task, ...] = ("tone", "category")
