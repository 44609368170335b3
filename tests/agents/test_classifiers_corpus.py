"""The labelled corpus: reproducible from its templates, balanced, split by template."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict

from agents.classifiers.corpus import CORPUS_DIR, HELDOUT_FILE, TRAIN_FILE, generate, read_corpus
from agents.classifiers.labels import CATEGORIES, TONES
from agents.classifiers.templates import Banks, load_template_banks


def test_committed_corpus_is_what_the_generator_produces() -> None:
    rows = generate()
    expected_train = [asdict(row) for row in rows if row.split != "heldout"]
    expected_heldout = [asdict(row) for row in rows if row.split == "heldout"]
    assert [asdict(row) for row in read_corpus(CORPUS_DIR / TRAIN_FILE)] == expected_train
    assert [asdict(row) for row in read_corpus(CORPUS_DIR / HELDOUT_FILE)] == expected_heldout


def test_every_label_has_at_least_sixty_examples_per_task() -> None:
    rows = read_corpus(CORPUS_DIR / TRAIN_FILE) + read_corpus(CORPUS_DIR / HELDOUT_FILE)
    tones, categories = Counter(r.tone for r in rows), Counter(r.category for r in rows)
    assert set(tones) == set(TONES) and min(tones.values()) >= 60
    assert set(categories) == set(CATEGORIES) and min(categories.values()) >= 60
    heldout = read_corpus(CORPUS_DIR / HELDOUT_FILE)
    assert min(Counter(r.category for r in heldout).values()) >= 60


def test_held_out_file_holds_only_held_out_rows_and_no_training_text() -> None:
    train = read_corpus(CORPUS_DIR / TRAIN_FILE)
    heldout = read_corpus(CORPUS_DIR / HELDOUT_FILE)
    assert {row.split for row in heldout} == {"heldout"}
    assert {row.split for row in train} == {"train", "calib"}
    assert not {row.text for row in train} & {row.text for row in heldout}


def test_template_splits_are_disjoint() -> None:
    for banks in load_template_banks():
        assert isinstance(banks, Banks)
        for owner, slot in banks.entries:
            parts = [set(banks.for_split(owner, slot, split)) for split in ("train", "calib")]
            parts.append(set(banks.for_split(owner, slot, "heldout")))
            assert not parts[0] & parts[2] and not parts[1] & parts[2]


def test_lengths_vary_from_one_line_to_several_paragraphs() -> None:
    rows = read_corpus(CORPUS_DIR / TRAIN_FILE)
    words = [len(row.text.split()) for row in rows]
    assert min(words) < 20 and max(words) > 200
    assert len({row.domain for row in rows}) >= 10
    assert json.dumps(asdict(rows[0]))
