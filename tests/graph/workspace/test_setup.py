"""Chat settings sent by the browser are re-validated; starters come from the sample briefs."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.workspace.setup import model_options, read_choices, starters
from tools.errors import InputError
from tools.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        model_writer="scripted",
        campaign_budget_usd=1.0,
        ui_campaign_budget_max_usd=5.0,
    )


def test_options_put_the_configured_model_first(settings: Settings) -> None:
    options = model_options(settings)
    assert options["writer"] == ["scripted", "local:smollm2-135m"]
    assert options["router"] == ["local:smollm2-135m"]


def test_untouched_budget_lets_the_brief_decide(settings: Settings) -> None:
    models, budget = read_choices(
        {"model_writer": "local:smollm2-135m", "budget_usd": 1.0}, settings
    )
    assert models == {
        "router": "local:smollm2-135m",
        "writer": "local:smollm2-135m",
        "critic": "local:smollm2-135m",
    }
    assert budget is None
    assert read_choices({"budget_usd": 2.5}, settings)[1] == 2.5
    assert read_choices(None, settings) == (
        {"router": "local:smollm2-135m", "writer": "scripted", "critic": "local:smollm2-135m"},
        None,
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"model_writer": "openai:gpt-4.1-mini"}, "not an available writer model"),
        ({"budget_usd": 50}, "at most 5.0"),
        ({"budget_usd": 0}, "above 0"),
        ({"budget_usd": "lots"}, "number of US dollars"),
    ],
)
def test_forged_choices_are_refused(settings: Settings, raw: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_choices(raw, settings)


def test_starters_are_the_sample_briefs() -> None:
    labels = [starter.label for starter in starters()]
    assert labels == [
        "Weekly newsletter + 10 posts + video script",
        "Product copy for a small SKU list",
    ]
    assert all("Brand: Loomwell" in starter.message for starter in starters())
