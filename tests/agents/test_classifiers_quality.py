"""Quality gate: the shipped triage heads on the held-out split (never read by training).

Floors sit well below the measured scores (see ``bench/results/classifiers.md``) so the test
catches a broken artefact, a changed encoder or a corpus/artefact mismatch, not noise.
"""

from __future__ import annotations

import pytest

from agents.classifiers import load_triage
from agents.classifiers.corpus import CORPUS_DIR, HELDOUT_FILE, read_corpus
from agents.classifiers.labels import TASK_LABELS
from agents.classifiers.metrics import macro_f1
from tools.settings import Settings

FLOORS = {"tone": 0.75, "category": 0.7}


@pytest.mark.slow
def test_shipped_heads_reach_the_held_out_floor() -> None:
    rows = read_corpus(CORPUS_DIR / HELDOUT_FILE)
    results = load_triage(Settings()).classify([row.text for row in rows])
    for task, floor in FLOORS.items():
        labels = TASK_LABELS[task]
        truth = [labels.index(getattr(row, task)) for row in rows]
        predicted = [labels.index(getattr(result, task).candidate) for result in results]
        score = macro_f1(truth, predicted, len(labels))
        assert score >= floor, f"{task} held-out macro-F1 {score:.3f} < {floor}"
        labelled = [getattr(result, task).label is not None for result in results]
        assert sum(labelled) >= 0.6 * len(rows), f"{task}: too many unknowns"
