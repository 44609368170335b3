"""Triage classifiers: training command, determinism, thresholds, bad input, events, CLI.

Real parts only: the bundled MiniLM encoder, the committed corpus and artefact, real files.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from agents.classifiers import LabelPrediction, Triage, TriageResult, load_triage
from agents.classifiers.artefact import ARTEFACT_DIR, META_FILE, WEIGHTS_FILE, load_artefact
from agents.classifiers.corpus import CORPUS_DIR, TRAIN_FILE
from agents.classifiers.features import MAX_CHARS
from agents.classifiers.labels import CATEGORIES, TONES
from graph.cli.classify import app
from tools.embeddings import get_embedder
from tools.errors import ConfigError, InputError
from tools.settings import Settings

runner = CliRunner()

SAMPLES = [
    "Last chance: 30% off everything ends at midnight tonight. Order now!",
    "Dear valued client,\n\nWe are pleased to announce the opening of our Lyon office.\n\n"
    "Yours faithfully,\nThe Board",
    "SCENE 1 - INT. KITCHEN - DAY\nA chef slices warm bread.\nNARRATOR (V.O.): Good food starts "
    "here.\n\nSCENE 2 - EXT. MARKET - MORNING\nThe chef picks tomatoes.\n"
    "NARRATOR (V.O.): Harvest Table. Cooked with care.",
    "Hey there! We just wanted to say thanks for being part of our little community.",
]


@pytest.fixture(scope="module")
def triage() -> Triage:
    return load_triage(Settings())


@pytest.fixture(scope="module")
def slice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An artefact trained by the CLI on a small slice of the corpus (one row per pair)."""
    directory = tmp_path_factory.mktemp("triage")
    result = runner.invoke(app, ["train", "--output", str(directory), "--per-pair", "1"])
    assert result.exit_code == 0, result.output
    return directory


def test_train_command_on_a_slice_produces_a_working_artefact(slice_dir: Path) -> None:
    assert (slice_dir / WEIGHTS_FILE).is_file() and (slice_dir / META_FILE).is_file()
    meta = json.loads((slice_dir / META_FILE).read_text())
    assert meta["report"]["rows"] == {"train": 42, "calib": 42}
    trained = load_triage(Settings(triage_dir=slice_dir))
    results = trained.classify(SAMPLES)
    assert len(results) == len(SAMPLES)
    for result in results:
        assert result.tone.candidate in TONES and result.category.candidate in CATEGORIES
        assert 0.0 < result.tone.confidence <= 1.0


def test_training_is_deterministic(slice_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--output", str(tmp_path), "--per-pair", "1"])
    assert result.exit_code == 0, result.output
    with np.load(slice_dir / WEIGHTS_FILE) as first, np.load(tmp_path / WEIGHTS_FILE) as second:
        assert sorted(first.files) == sorted(second.files)
        for name in first.files:
            np.testing.assert_array_equal(first[name], second[name])
    first_meta = json.loads((slice_dir / META_FILE).read_text())
    second_meta = json.loads((tmp_path / META_FILE).read_text())
    assert first_meta["heads"] == second_meta["heads"]


def test_predictions_are_deterministic_and_independent_of_batching(triage: Triage) -> None:
    batched = triage.classify(SAMPLES)
    again = triage.classify(list(reversed(SAMPLES)))[::-1]
    single = [triage.classify([text])[0] for text in SAMPLES]
    for first, second, third in zip(batched, again, single, strict=True):
        assert first.tone.candidate == second.tone.candidate == third.tone.candidate
        assert first.category.candidate == second.category.candidate == third.category.candidate
        assert first.tone.confidence == pytest.approx(second.tone.confidence, abs=1e-4)
        assert first.tone.confidence == pytest.approx(third.tone.confidence, abs=1e-4)


def test_shipped_artefact_reads_obvious_texts(triage: Triage) -> None:
    urgent, formal, script, friendly = triage.classify(SAMPLES)
    assert urgent.tone.label == "urgent"
    assert formal.tone.label == "formal"
    assert script.category.label == "video_script"
    assert friendly.tone.label == "friendly"


def test_low_confidence_yields_unknown(triage: Triage) -> None:
    results = triage.classify(SAMPLES)
    confidences = sorted(result.tone.confidence for result in results)
    cut = (confidences[0] + confidences[-1]) / 2
    assert confidences[0] < cut < confidences[-1]
    artefact = load_artefact(ARTEFACT_DIR)
    artefact.heads["tone"].threshold = cut
    strict = Triage(artefact, get_embedder()).classify(SAMPLES)
    for result in strict:
        if result.tone.confidence < cut:
            assert result.tone.label is None and result.tone.candidate in TONES
        else:
            assert result.tone.label == result.tone.candidate
    assert any(r.tone.label is None for r in strict)
    assert any(r.tone.label is not None for r in strict)


def test_shipped_thresholds_are_at_least_an_even_chance() -> None:
    for head in load_artefact(ARTEFACT_DIR).heads.values():
        assert 0.5 <= head.threshold < 1.0
        assert head.temperature > 0


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ([""], "empty"),
        (["   \n\t "], "empty"),
        ([b"bytes are not text"], "bytes"),
        ("a bare string", "list of texts"),
        (["\x00\x01\x02\x03binary\x04\x05"], "binary"),
        (["ok", None], "NoneType"),
    ],
)
def test_bad_input_is_a_clear_error(triage: Triage, texts: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        triage.classify(texts)  # type: ignore[arg-type]


def test_one_megabyte_text_is_truncated_not_rejected(triage: Triage) -> None:
    paragraph = "Only 24 hours left to claim your discount. Hurry, the sale ends tonight!\n"
    huge = paragraph * (1_000_000 // len(paragraph) + 1)
    assert len(huge) > 1_000_000
    result, beginning, short = triage.classify([huge, huge[:MAX_CHARS], paragraph])
    assert result.truncated and not short.truncated
    assert result.tone.candidate == beginning.tone.candidate
    assert result.tone.confidence == pytest.approx(beginning.tone.confidence, abs=1e-5)


def test_empty_batch_returns_nothing(triage: Triage) -> None:
    assert triage.classify([]) == []


def test_missing_artefact_tells_how_to_train(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="brandloom classify train"):
        load_triage(Settings(triage_dir=tmp_path / "nothing-here"))


def test_corrupt_artefact_tells_how_to_train(tmp_path: Path) -> None:
    (tmp_path / WEIGHTS_FILE).write_bytes(b"not an npz file")
    (tmp_path / META_FILE).write_text("{}")
    with pytest.raises(ConfigError, match="brandloom classify train"):
        load_triage(Settings(triage_dir=tmp_path))


def test_events_carry_label_confidence_and_latency() -> None:
    result = TriageResult(
        tone=LabelPrediction(label=None, confidence=0.31, latency_ms=4.5, candidate="playful"),
        category=LabelPrediction(label="email", confidence=0.92, latency_ms=4.5, candidate="email"),
    )
    tone_event, category_event = result.events("thread-1", "verifier", "email-01")
    assert (tone_event.kind, tone_event.agent, tone_event.label) == (
        "classifier",
        "tone-classifier",
        None,
    )
    assert tone_event.confidence == 0.31 and tone_event.latency_ms == 4.5
    assert (category_event.agent, category_event.label) == ("category-classifier", "email")
    assert category_event.thread_id == "thread-1" and category_event.asset_id == "email-01"


def test_shipped_artefact_matches_the_committed_corpus() -> None:
    report = load_artefact(ARTEFACT_DIR).report
    digest = hashlib.sha256((CORPUS_DIR / TRAIN_FILE).read_bytes()).hexdigest()
    assert report["corpus_sha256"] == digest, "corpus changed: run `brandloom classify train`"
    size = (ARTEFACT_DIR / WEIGHTS_FILE).stat().st_size + (ARTEFACT_DIR / META_FILE).stat().st_size
    assert size < 200_000


def test_cli_predict_prints_tone_and_category() -> None:
    result = runner.invoke(app, ["predict", SAMPLES[0]])
    assert result.exit_code == 0, result.output
    assert "tone" in result.output and "category" in result.output and "urgent" in result.output


def test_cli_predict_json() -> None:
    result = runner.invoke(app, ["predict", "--json", SAMPLES[1]])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["tone"]["label"] == "formal"
    assert 0.0 <= payload["category"]["confidence"] <= 1.0


def test_cli_predict_rejects_non_text_bytes(tmp_path: Path) -> None:
    binary = tmp_path / "image.bin"
    binary.write_bytes(bytes(range(256)) * 8)
    result = runner.invoke(app, ["predict", "--file", str(binary)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.output


@pytest.mark.parametrize("text", ["", "\u200b\u200c\u200d\ufeff", " \u2060 \t\u200b "])
def test_cli_predict_rejects_empty_text(text: str) -> None:
    """Zero-width characters are no text: refused like ``""``, not classified."""
    result = runner.invoke(app, ["predict", text])
    assert result.exit_code == 2
    assert "empty" in result.output and "tone" not in result.stdout
