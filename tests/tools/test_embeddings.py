"""The bundled MiniLM embedder: shape, norm, determinism, agreement with plain transformers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from tools.embeddings import DIMENSION, MODEL_ID, MODEL_VERSION, get_embedder, model_dir
from tools.errors import InputError

TEXTS = [
    "Spring launch: fresh colours for the whole family.",
    "Our tone is warm, direct and never uses exclamation marks.",
    "x",
    "",
]


@pytest.fixture(scope="module")
def embedder():
    return get_embedder()


def test_shape_dtype_and_unit_norm(embedder) -> None:
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), DIMENSION) == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_deterministic_and_independent_of_batching(embedder) -> None:
    once = embedder.embed(TEXTS, batch_size=1)
    again = embedder.embed(TEXTS, batch_size=3)
    np.testing.assert_allclose(once, again, atol=1e-5)


def test_agrees_with_a_plain_transformers_computation(embedder) -> None:
    texts = TEXTS[:2]
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir()), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir()), local_files_only=True).eval()
    encoded = tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**encoded).last_hidden_state
    mask = encoded["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    expected = torch.nn.functional.normalize(pooled, dim=1).numpy()
    np.testing.assert_allclose(embedder.embed(texts), expected, atol=1e-5)


def test_similar_texts_score_higher_than_unrelated(embedder) -> None:
    a, b, c = embedder.embed(
        ["The cat sat on the mat.", "A cat is sitting on a rug.", "Quarterly tax filing deadline."]
    )
    assert float(a @ b) > float(a @ c) + 0.2


def test_empty_list_gives_an_empty_matrix(embedder) -> None:
    vectors = embedder.embed([])
    assert vectors.shape == (0, DIMENSION)
    assert vectors.dtype == np.float32


def test_long_text_is_truncated_not_rejected(embedder) -> None:
    vectors = embedder.embed(["word " * 2000])
    assert vectors.shape == (1, DIMENSION)


@pytest.mark.parametrize("bad", ["a bare string", [1, 2], ["ok", None], [b"bytes"]])
def test_bad_input_is_a_clear_input_error(embedder, bad) -> None:
    with pytest.raises(InputError):
        embedder.embed(bad)


def test_bad_batch_size(embedder) -> None:
    with pytest.raises(InputError, match="batch_size"):
        embedder.embed(["a"], batch_size=0)


def test_model_identity_and_cache() -> None:
    assert MODEL_ID == "sentence-transformers/all-MiniLM-L6-v2"
    assert MODEL_VERSION == "0.1.0"
    assert get_embedder() is get_embedder()
    assert get_embedder().model.training is False
