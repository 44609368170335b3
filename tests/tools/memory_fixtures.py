"""Shared helpers of the memory tests: records, the Pinecone emulator, the three stores."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import numpy as np

from tests.fakes.pinecone_emulator import Emulator
from tools.memory.base import NEVER, MemoryStore, VectorRecord
from tools.memory.embedded import EmbeddedMemoryStore
from tools.memory.exact import ExactMemoryStore
from tools.memory.pinecone import PineconeMemoryStore

DIM = 16
BACKENDS = ["exact", "embedded", "pinecone"]


def unit(seed: int | str, dim: int = DIM) -> np.ndarray:
    if isinstance(seed, str):  # str hash() is salted per process: use a stable digest
        seed = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big")
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def meta(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "kind": "fact",
        "source": "test.md",
        "text": "some text",
        "created_at": 1_700_000_000.0,
        "expires_at": NEVER,
        "model_id": "test-model",
        "model_version": "1",
    }
    base.update(overrides)
    return base


def record(item_id: str, vector: np.ndarray | None = None, **overrides: object) -> VectorRecord:
    return VectorRecord(item_id, unit(item_id) if vector is None else vector, meta(**overrides))


def start_emulator() -> Emulator:
    """A running Pinecone emulator accepting the key ``test-key`` (close it after use)."""
    return Emulator(api_key="test-key")


def open_pinecone(emulator: Emulator, dim: int = DIM, **kwargs: object) -> PineconeMemoryStore:
    return PineconeMemoryStore(
        api_key="test-key",
        index_name=kwargs.pop("index_name", f"bl-{uuid.uuid4().hex[:12]}"),  # type: ignore[arg-type]
        dimension=dim,
        api_host=emulator.url,
        backoff_seconds=0.001,
        **kwargs,  # type: ignore[arg-type]
    )


def make_store(kind: str, tmp_path: Path, emulator: Emulator, dim: int = DIM) -> MemoryStore:
    if kind == "exact":
        return ExactMemoryStore(dim)
    if kind == "embedded":
        return EmbeddedMemoryStore(tmp_path / "memory", dim)
    return open_pinecone(emulator, dim)


class CountingEmbedder:
    """The real MiniLM embedder, counting calls; ``model_version`` can be overridden (reindex)."""

    def __init__(self, model_version: str | None = None) -> None:
        from tools.embeddings import get_embedder

        self.inner = get_embedder()
        self.model_id = self.inner.model_id
        self.model_version = model_version or self.inner.model_version
        self.dimension = self.inner.dimension
        self.calls: list[list[str]] = []

    def embed(self, texts, *, batch_size: int = 32):
        self.calls.append(list(texts))
        return self.inner.embed(texts, batch_size=batch_size)


def write_pdf(path: Path, lines: list[str]) -> Path:
    """A minimal one-page PDF with ``lines`` of Helvetica text, written by hand."""
    text_ops = " ".join(
        f"({line.replace('(', '[').replace(')', ']')}) Tj 0 -16 Td" for line in lines
    )
    stream = f"BT /F1 12 Tf 72 720 Td {text_ops} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    path.write_bytes(bytes(out))
    return path
