"""The one factory: id resolution from the mapping table, bad ids, missing keys, prices, roles."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from agents.base import AssetKind
from agents.providers.factory import (
    PROVIDERS,
    chat_models,
    model_chain,
    price_for,
    provider_info,
    resolve_model,
)
from agents.providers.local import LocalLlamaClient
from agents.providers.model import Price, ProviderInfo
from agents.providers.scripted import ScriptedModel, scripted_resolver
from agents.registry import build_compliance, build_specialists
from tools.errors import ConfigError
from tools.settings import Settings


def test_the_mapping_table_lists_every_provider() -> None:
    assert set(PROVIDERS) == {"local", "openai", "gemini", "scripted", "faulty"}


def test_local_resolves_to_the_bundled_gguf_without_loading_it(tmp_path: Path) -> None:
    model = resolve_model("local:smollm2-135m", Settings(data_dir=tmp_path))
    assert model.model_id == "local:smollm2-135m"
    assert isinstance(model.client, LocalLlamaClient)
    assert model.client.config.path.endswith("SmolLM2-135M-Instruct.Q4_1.gguf")
    assert model.price == Price(0.0, 0.0)


def test_scripted_resolves_with_a_default_script(tmp_path: Path) -> None:
    model = resolve_model("scripted", Settings(data_dir=tmp_path))
    assert isinstance(model.client, ScriptedModel) and model.model_id == "scripted"


@pytest.mark.parametrize(
    ("model_id", "message"),
    [
        ("", "unknown model id ''"),
        ("gpt-4.1-mini", "unknown model id 'gpt-4.1-mini'"),
        ("anthropic:claude", "unknown model id 'anthropic:claude'"),
        ("openai", "lacks a model name"),
        ("local:llama-70b", "unknown local model 'llama-70b'"),
    ],
)
def test_bad_ids_are_config_errors(tmp_path: Path, model_id: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_model(model_id, Settings(data_dir=tmp_path))


def test_missing_openai_key_names_the_variable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, OPENAI_API_KEY=None, OPENAI_BASE_URL=None)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        resolve_model("openai:gpt-4.1-mini", settings)


def test_openai_compatible_server_needs_no_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    assert resolve_model("openai:qwen2.5", settings).model_id == "openai:qwen2.5"


def test_missing_gemini_key_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GEMINI_API_KEY"):
        resolve_model("gemini:gemini-2.5-flash", Settings(data_dir=tmp_path, GEMINI_API_KEY=None))


def test_prices_come_from_the_table() -> None:
    assert price_for("openai:gpt-4.1-mini") == Price(0.40, 1.60)
    assert price_for("openai:gpt-4.1-mini").cost_usd(1_000_000, 500_000) == pytest.approx(1.2)
    assert price_for("gemini:gemini-2.5-flash").completion_usd_per_mtok == 2.50
    assert price_for("local:smollm2-135m") == Price() == price_for("scripted")
    assert price_for("local:any-future-gguf") == Price()
    unknown = price_for("openai:my-self-hosted-model")
    assert unknown.known is False and unknown.cost_usd(1000, 1000) == 0.0


def test_roles_map_to_chains_with_fallbacks(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        model_writer="openai:gpt-4.1-mini",
        model_critic="gemini:gemini-2.5-flash",
        model_fallbacks=" gemini:gemini-2.5-flash, openai:gpt-4.1-mini ,local:smollm2-135m",
    )
    assert model_chain("writer", settings) == [
        "openai:gpt-4.1-mini",
        "gemini:gemini-2.5-flash",
        "local:smollm2-135m",
    ]
    assert model_chain("critic", settings)[0] == "gemini:gemini-2.5-flash"
    with pytest.raises(ConfigError, match="no model setting for role 'embed'"):
        model_chain("embed", settings)


def test_registry_covers_every_asset_kind(scripted_settings: Settings) -> None:
    models = {name: ScriptedModel([]) for name in ("scripted:writer", "scripted:backup")}
    models["scripted:critic"] = ScriptedModel([])
    specialists = build_specialists(scripted_settings, scripted_resolver(models))
    assert set(specialists) == set(get_args(AssetKind))
    assert specialists["newsletter"] is specialists["ad_copy"]
    assert {s.name for s in specialists.values()} == {
        "copywriter",
        "product_copy",
        "seo",
        "visual_brief",
        "video_script",
    }
    compliance = build_compliance(scripted_settings, scripted_resolver(models))
    assert compliance.model_ids == ["scripted:critic", "scripted:backup"]


def test_a_bad_fallback_fails_at_build_time_not_mid_campaign(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, model_fallbacks="openai:gpt-4.1-mini", OPENAI_API_KEY=None
    )
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        build_specialists(settings)


def test_every_provider_declares_its_info_and_the_chat_offers_keyed_models(tmp_path: Path) -> None:
    """A provider is one module with ``INFO`` plus one ``PROVIDERS`` line; the chat offers a
    keyed provider's models only once its key is set."""
    assert all(isinstance(provider_info(name), ProviderInfo) for name in PROVIDERS)
    bare = Settings(data_dir=tmp_path, OPENAI_API_KEY=None, GEMINI_API_KEY=None)
    assert chat_models(bare) == ["local:smollm2-135m"]
    keyed = Settings(data_dir=tmp_path, OPENAI_API_KEY="sk-test", GEMINI_API_KEY=None)
    assert chat_models(keyed) == ["local:smollm2-135m", "openai:gpt-4.1-mini"]
