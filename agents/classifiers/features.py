"""Frozen encoder features for the triage heads.

The heads read mean-pooled hidden states of several layers of the shared MiniLM encoder
(``tools.embeddings.get_embedder()``), not only the final sentence embedding: the lower
layers keep more of the surface form (greetings, bullets, "Subject:", scene headings) that
tells a category apart, while the final layer is tuned for topic similarity. One forward pass
yields every layer, so choosing layers costs nothing at inference.

Input preparation, documented because it is part of the contract:

- line breaks become the marker ``" | "`` (the WordPiece tokenizer would otherwise drop
  them, and layout is most of what separates an email from a blog article);
- a text is cut to its first ``MAX_CHARS`` characters and then to the encoder's
  ``max_length`` tokens (256): a 1 MB text is classified by its beginning, not rejected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import torch
from numpy.typing import NDArray

from tools.embeddings import Embedder

NEWLINE_MARKER = " | "
MAX_CHARS = 4096
"""Characters kept before tokenising: well above what 256 tokens cover in ordinary text."""
N_LAYERS = 7
"""Hidden states of MiniLM-L6: the embedding output (layer 0) and six transformer layers."""

_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


def prepare_text(text: str) -> str:
    """The string the encoder sees: cut to ``MAX_CHARS``, line breaks made visible."""
    return _LINE_BREAKS.sub(NEWLINE_MARKER, text[:MAX_CHARS])


def layer_features(
    embedder: Embedder, texts: Sequence[str], *, batch_size: int = 32
) -> NDArray[np.float32]:
    """Mean-pooled, L2-normalised hidden states: shape ``(len(texts), N_LAYERS, 384)``.

    Texts are batched by length (less padding) and returned in input order.
    """
    prepared = [prepare_text(text) for text in texts]
    out = np.empty((len(prepared), N_LAYERS, embedder.dimension), dtype=np.float32)
    order = sorted(range(len(prepared)), key=lambda i: len(prepared[i]))
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        out[rows] = _batch_features(embedder, [prepared[i] for i in rows])
    return out


def _batch_features(embedder: Embedder, texts: list[str]) -> NDArray[np.float32]:
    encoded = embedder.tokenizer(
        texts, padding=True, truncation=True, max_length=embedder.max_length, return_tensors="pt"
    )
    with torch.inference_mode():
        hidden_states = embedder.model(**encoded, output_hidden_states=True).hidden_states
    mask = encoded["attention_mask"].unsqueeze(-1).to(torch.float32)
    pooled = torch.stack(
        [(h * mask).sum(1) / mask.sum(1).clamp(min=1e-9) for h in hidden_states], 1
    )
    normalized = torch.nn.functional.normalize(pooled, p=2, dim=-1)
    return normalized.numpy().astype(np.float32, copy=False)


def select_layers(features: NDArray[np.float32], layers: Sequence[int]) -> NDArray[np.float32]:
    """Concatenate the chosen layers: shape ``(n, len(layers) * 384)``."""
    return features[:, list(layers), :].reshape(len(features), -1)
