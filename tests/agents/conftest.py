"""Fixtures for the agents tests: requests, settings with scripted models, a no-wait policy."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from agents.base import Constraints, DraftRequest, MemorySnippet
from agents.providers.resilience import RetryPolicy
from tools.settings import Settings


class RecordingSleep:
    """An injected ``sleep`` that records delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def policy(sleep: RecordingSleep) -> RetryPolicy:
    """Two retries per model, no real waiting, seeded jitter."""
    return RetryPolicy(
        max_retries=2,
        base_delay_s=1.0,
        max_delay_s=8.0,
        timeout_s=5.0,
        sleep=sleep,
        rng=random.Random(7),
    )


@pytest.fixture
def scripted_settings(tmp_path: Path) -> Settings:
    """Every role on ``scripted:writer`` with ``scripted:backup`` as the fallback."""
    return Settings(
        data_dir=tmp_path,
        model_router="scripted:writer",
        model_writer="scripted:writer",
        model_critic="scripted:critic",
        model_fallbacks="scripted:backup",
    )


def make_request(**overrides: object) -> DraftRequest:
    values: dict[str, object] = {
        "thread_id": "thread-1",
        "asset_id": "newsletter-01",
        "version": 1,
        "asset_kind": "newsletter",
        "channel": "email",
        "campaign_goal": "Launch the spring tea collection.",
        "brand": "Acme Tea",
        "constraints": Constraints(
            max_words=120, required_terms=["spring"], banned_terms=["cheap"]
        ),
        "memory": [
            MemorySnippet(item_id="mem-1", kind="style_rule", text="Warm, never pushy."),
            MemorySnippet(item_id="mem-2", kind="fact", text="Founded in 1990 in Kyoto."),
        ],
    }
    values.update(overrides)
    return DraftRequest.model_validate(values)
