"""Brand-kit ingestion: formats, cleaning, chunking with overlap, de-duplication, bad files."""

from __future__ import annotations

import itertools

import pytest

from tests.tools.memory_fixtures import CountingEmbedder, write_pdf
from tools.errors import InputError
from tools.memory.embedded import EmbeddedMemoryStore
from tools.memory.facade import BrandMemory
from tools.memory.ingest import Chunking, chunk_text, clean_text, read_chunks

GUIDE = """# Acme voice

We write like a calm, knowledgeable friend. Short sentences. No jargon.

## Words we avoid

Never say "synergy", "disrupt" or "world-class". Avoid exclamation marks.
"""


@pytest.fixture
def memory(tmp_path):
    return BrandMemory(EmbeddedMemoryStore(tmp_path / "memory"), CountingEmbedder)


def test_markdown_text_pdf_and_csv_are_ingested_and_recallable(memory, tmp_path) -> None:
    (tmp_path / "voice.md").write_text(GUIDE)
    (tmp_path / "notes.txt").write_text("Acme ships from Rotterdam within two working days.")
    write_pdf(
        tmp_path / "claims.pdf",
        ["Acme kettles carry a five year warranty.", "Made from recycled steel."],
    )
    (tmp_path / "products.csv").write_text(
        "sku,name,feature\n"
        "K-1,Aurora kettle,boils in 90 seconds\n"
        "T-2,Nimbus toaster,six browning levels\n"
    )
    files = [tmp_path / n for n in ("voice.md", "notes.txt", "claims.pdf", "products.csv")]
    stages: list[tuple[str, int, int]] = []
    report = memory.add_files("Acme", files, progress=lambda *a: stages.append(a))
    assert report.files == 4 and report.added == report.chunks >= 5 and report.duplicates == 0
    assert {s[0] for s in stages} == {"read", "embed", "store"}
    assert stages[-1] == ("store", report.added, report.added)
    (warranty,) = memory.recall("Acme", ["how long is the warranty?"], top_k=1)
    assert "five year warranty" in warranty[0].text and warranty[0].source == "claims.pdf#1"
    (toaster,) = memory.recall("Acme", ["toaster browning"], top_k=1)
    assert toaster[0].text == "sku: T-2; name: Nimbus toaster; feature: six browning levels"
    assert toaster[0].source == "products.csv:row 2"
    assert toaster[0].metadata["model_id"] == "sentence-transformers/all-MiniLM-L6-v2"


def test_duplicates_are_skipped_by_content_hash(memory, tmp_path) -> None:
    (tmp_path / "a.md").write_text(GUIDE)
    (tmp_path / "copy.md").write_text(GUIDE.replace("\n\n", "\n\n  "))  # same content, new spacing
    first = memory.add_files("Acme", [tmp_path / "a.md"])
    second = memory.add_files("Acme", [tmp_path / "copy.md", tmp_path / "a.md"])
    assert second.added == 0 and second.duplicates == second.chunks == 2 * first.chunks
    assert set(second.item_ids) == set(first.item_ids)
    assert memory.profile("Acme").counts["fact"] == first.added


def test_invisible_unicode_is_stripped_before_storing_and_hashing(memory, tmp_path) -> None:
    hidden = "Ac\u200bme ke\u200dttles\u2060 are\u00ad quiet.\u202e \U000e0041\U000e0042 \ufeff"
    (tmp_path / "hidden.txt").write_text(hidden)
    (tmp_path / "plain.txt").write_text("Acme kettles are quiet.")
    report = memory.add_files("Acme", [tmp_path / "hidden.txt", tmp_path / "plain.txt"])
    assert (report.added, report.duplicates) == (1, 1)
    (found,) = memory.recall("Acme", ["quiet kettles"], top_k=1)
    assert found[0].text == "Acme kettles are quiet."
    assert clean_text("a\u200b\u200c\u200d\u2066b\u2069\x07c\r\nd") == "abc\nd"


def test_chunks_overlap_and_respect_the_size() -> None:
    text = " ".join(f"Sentence number {i} talks about kettles." for i in range(60))
    chunking = Chunking(size=200, overlap=60)
    chunks = chunk_text(text, chunking)
    assert len(chunks) > 5
    assert all(len(c) <= 200 for c in chunks)
    for previous, current in itertools.pairwise(chunks):
        shared = previous[-30:]
        assert shared in current, "consecutive chunks must share text"
    assert "Sentence number 59" in chunks[-1]


def test_paragraphs_are_kept_whole_when_they_fit() -> None:
    chunks = chunk_text("First paragraph.\n\nSecond paragraph.", Chunking(size=100, overlap=20))
    assert chunks == ["First paragraph. Second paragraph."]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.md", b"", "no text"),
        ("blank.txt", "\u200b \n\t\ufeff".encode(), "no text"),
        ("latin1.txt", "caf\xe9".encode("latin-1"), "not UTF-8"),
        ("broken.pdf", b"%PDF-1.4 this is not a pdf", "not a readable PDF"),
        ("slides.pptx", b"whatever", "unsupported file type"),
        ("header-only.csv", b"sku,name\n", "no text"),
    ],
)
def test_bad_files_are_clear_errors_and_nothing_is_written(
    memory, tmp_path, name, content, message
) -> None:
    good = tmp_path / "good.md"
    good.write_text(GUIDE)
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        memory.add_files("Acme", [good, bad])
    assert name in str(caught.value)
    assert memory.store.stats().namespaces == {}


def test_missing_and_unreadable_files(memory, tmp_path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        memory.add_files("Acme", [tmp_path / "nope.md"])
    folder = tmp_path / "folder.md"
    folder.mkdir()
    with pytest.raises(InputError, match="cannot read"):
        memory.add_files("Acme", [folder])
    with pytest.raises(InputError, match="no files"):
        read_chunks([], Chunking())
    assert memory.store.stats().namespaces == {}
