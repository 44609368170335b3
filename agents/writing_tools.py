"""Tools specialists may call (offered only to models that declare function calling).

Language models count words badly; a deterministic counter lets a capable model check its draft
against the length window before answering, which saves a verifier round trip.
"""

from __future__ import annotations

from autogen_core.tools import FunctionTool


def count_words(text: str) -> str:
    """Count the words of a draft, the way the verifier counts them (whitespace-separated)."""
    return f"{len(text.split())} words"


COUNT_WORDS = FunctionTool(
    count_words,
    name="count_words",
    description="Count the words of a draft to check it against the length window.",
)
"""The word counter as an AutoGen tool."""
