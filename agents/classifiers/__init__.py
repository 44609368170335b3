"""Small-model triage: tone and content-category classifiers on the MiniLM encoder.

``load_triage()`` loads the trained heads shipped in ``data/model`` (rebuild them with
``brandloom classify train``); ``Triage.classify(texts)`` returns a ``TriageResult`` per text.
"""

from __future__ import annotations

from agents.classifiers.triage import LabelPrediction, Triage, TriageResult, load_triage

__all__ = ["LabelPrediction", "Triage", "TriageResult", "load_triage"]
