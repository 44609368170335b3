"""Brand-kit ingestion: read markdown, text, PDF and CSV; clean; chunk with overlap.

Everything here is pure reading and text work; nothing is written. ``read_chunks`` reads and
chunks every file before returning, so a bad file (unreadable, empty, unsupported, not UTF-8,
a broken PDF) raises ``InputError`` naming it before anything is stored.

Cleaning strips invisible Unicode (format characters such as zero-width spaces and joiners,
bidi controls, tag characters, variation selectors, soft hyphens) and control characters, and
normalizes to NFC: hidden text must not reach a model's context or split duplicates apart.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from tools.errors import InputError

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".pdf", ".csv")
MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest file accepted, in bytes."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Chunking:
    """How documents are cut: chunks of about ``size`` characters sharing ``overlap``."""

    size: int = 800
    overlap: int = 120

    def __post_init__(self) -> None:
        if self.size < 50 or not 0 <= self.overlap < self.size // 2:
            raise InputError("chunk size must be >= 50 and overlap below half of it")


@dataclass(frozen=True)
class Chunk:
    """One piece of a document, ready to embed."""

    text: str
    source: str
    """File name plus position (``guide.md#3``, ``products.csv:row 12``)."""


def clean_text(text: str) -> str:
    """Strip invisible Unicode and control characters; NFC; unify line ends; trim lines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    kept = "".join(c for c in text if _visible(c))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in kept.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _visible(char: str) -> bool:
    if char in "\n\t":
        return True
    category = unicodedata.category(char)
    if category in ("Cf", "Cc", "Co", "Cs"):
        return False
    return not ("\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef")


def chunk_text(text: str, chunking: Chunking) -> list[str]:
    """Cut text into chunks of at most ``size`` characters, consecutive ones overlapping.

    Paragraphs are kept whole when they fit, else split at sentence ends, else at words.
    """
    units = [u for p in text.split("\n\n") for u in _split_unit(p.strip(), chunking.size)]
    chunks: list[str] = []
    current = ""
    for unit in units:
        if current and len(current) + 1 + len(unit) > chunking.size:
            chunks.append(current)
            current = _tail(current, chunking.overlap, chunking.size - len(unit) - 1)
        current = f"{current} {unit}".strip() if current else unit
    if current:
        chunks.append(current)
    return chunks


def _split_unit(paragraph: str, size: int) -> list[str]:
    if not paragraph:
        return []
    if len(paragraph) <= size:
        return [paragraph]
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        if len(sentence) <= size:
            pieces.append(sentence)
            continue
        line = ""
        for word in sentence.split():
            if line and len(line) + 1 + len(word) > size:
                pieces.append(line)
                line = ""
            line = f"{line} {word}".strip()[:size]
        pieces.append(line)
    return [p for p in pieces if p]


def _tail(text: str, overlap: int, room: int) -> str:
    """The last ``overlap`` characters of ``text``, starting at a word, if they fit ``room``."""
    if overlap <= 0 or room <= 0:
        return ""
    tail = text[-min(overlap, room) :]
    if len(tail) < len(text) and " " in tail:
        tail = tail.split(" ", 1)[1]
    return tail.strip()


def read_chunks(paths: list[Path], chunking: Chunking) -> tuple[list[Chunk], int]:
    """Read, clean and chunk every file; returns the chunks and the number of files."""
    if not paths:
        raise InputError("no files given")
    chunks: list[Chunk] = []
    for path in paths:
        chunks.extend(_file_chunks(Path(path), chunking))
    return chunks, len(paths)


def _file_chunks(path: Path, chunking: Chunking) -> list[Chunk]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(
            f"{path.name}: unsupported file type (use {', '.join(SUPPORTED_SUFFIXES)})"
        )
    data = _read_bytes(path)
    if suffix == ".csv":
        chunks = _csv_chunks(path.name, _decode(path, data), chunking)
    else:
        text = _pdf_text(path, data) if suffix == ".pdf" else _decode(path, data)
        pieces = chunk_text(clean_text(text), chunking)
        chunks = [Chunk(p, f"{path.name}#{n}") for n, p in enumerate(pieces, start=1)]
    if not chunks:
        raise InputError(f"{path.name}: the file has no text")
    return chunks


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{path.name}: larger than {MAX_FILE_BYTES // 2**20} MB")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name}: not UTF-8 text") from exc


def _pdf_text(path: Path, data: bytes) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path.name}: not a readable PDF ({exc})") from exc


def _csv_chunks(name: str, text: str, chunking: Chunking) -> list[Chunk]:
    """One chunk per row, as ``column: value`` pairs (long rows are cut further)."""
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:
        raise InputError(f"{name}: not valid CSV ({exc})") from exc
    chunks: list[Chunk] = []
    for number, row in enumerate(rows, start=1):
        pairs = [
            f"{k.strip()}: {v.strip()}"
            for k, v in row.items()
            if k and isinstance(v, str) and v.strip()
        ]
        line = clean_text("; ".join(pairs))
        for piece in chunk_text(line, chunking):
            chunks.append(Chunk(piece, f"{name}:row {number}"))
    return chunks
