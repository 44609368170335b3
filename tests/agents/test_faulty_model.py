"""``faulty``: the fault-injection model resolved by the factory (CLI and demo use it too)."""

from __future__ import annotations

import pytest
from autogen_core.models import UserMessage

from agents.providers.factory import resolve_model
from agents.providers.faulty import FaultPlan, FaultyModel, parse_fault_plan
from tools.errors import ConfigError, ProviderError
from tools.settings import Settings

MESSAGES = [UserMessage(content="Length: 5 to 10 words.", source="user")]


def test_options_parse_into_a_fault_plan() -> None:
    assert parse_fault_plan("") == FaultPlan()
    plan = parse_fault_plan("error_rate=0.05&rate_limit=0.1&retry_after=2&seed=7&down=false")
    assert plan == FaultPlan(error_rate=0.05, rate_limit=0.1, retry_after=2.0, seed=7)
    assert parse_fault_plan("down=true").down


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("error_rate=2", "out of range"),
        ("error_rate=lots", "out of range or not a number"),
        ("down=maybe", "down='maybe'"),
        ("jitter=3", "unknown fault option 'jitter'"),
        ("latency=61", "latency='61' is out of range"),
        ("error_rate=0.7&rate_limit=0.6", "at most 1"),
        ("error_rate", "not key=value pairs"),
    ],
)
def test_bad_options_are_config_errors(query: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_fault_plan(query)


async def test_the_factory_resolves_a_faulty_model_that_fails_as_planned(tmp_path) -> None:
    model = resolve_model(
        "faulty:echo?error_rate=0.5&rate_limit=0.25&seed=1", Settings(data_dir=tmp_path)
    )
    assert model.model_id.startswith("faulty:echo") and isinstance(model.client, FaultyModel)
    outcomes: list[int] = []
    for _ in range(200):
        try:
            await model.client.create(MESSAGES)
            outcomes.append(200)
        except ProviderError as error:
            assert error.transient and error.provider == "faulty"
            if error.status == 429:
                assert error.retry_after == 0.05
            outcomes.append(error.status or 0)
    assert 70 < outcomes.count(500) < 130 and 25 < outcomes.count(429) < 75
    assert 20 < outcomes.count(200) < 80
    assert model.client.faults == {500: outcomes.count(500), 429: outcomes.count(429)}


async def test_a_provider_down_fails_every_call_and_a_healthy_one_answers(tmp_path) -> None:
    down = resolve_model("faulty:echo?down=1", Settings(data_dir=tmp_path)).client
    for _ in range(3):
        with pytest.raises(ProviderError, match="down") as failed:
            await down.create(MESSAGES)
        assert failed.value.status == 503
    healthy = resolve_model("faulty", Settings(data_dir=tmp_path)).client
    result = await healthy.create(MESSAGES)
    assert "scripted draft" in str(result.content)


def test_latency_option() -> None:
    assert parse_fault_plan("latency=0.2&seed=3") == FaultPlan(latency=0.2, seed=3)
