"""The one resolver of ``provider:model`` ids, and roles -> fallback chains from settings.

Providers are a mapping table (``PROVIDERS``: prefix -> module with a ``build`` function),
imported lazily so a missing vendor SDK only matters when its models are configured. Each
``build(model_name, settings) -> ChatModel`` raises ``ConfigError`` for a missing key or SDK,
naming the environment variable or the package to install, never a key's value.
"""

from __future__ import annotations

import dataclasses
import importlib
import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import cast

from agents.base import ModelRole
from agents.providers.model import ChatModel, ModelResolver, Price, ProviderInfo
from tools.errors import ConfigError
from tools.settings import Settings

PROVIDERS: dict[str, str] = {
    "local": "agents.providers.local",
    "openai": "agents.providers.openai",
    "gemini": "agents.providers.gemini",
    "scripted": "agents.providers.scripted",
    "faulty": "agents.providers.faulty",
}
"""Provider prefix -> module exposing ``INFO: ProviderInfo`` and
``build(model_name: str, settings) -> ChatModel``: the one line a new provider adds here."""

ROLE_SETTINGS: dict[ModelRole, str] = {
    "router": "model_router",
    "writer": "model_writer",
    "critic": "model_critic",
}
"""Roles the specialists use -> the settings field holding their model id."""

PRICE_TABLE_PATH = Path(__file__).with_name("prices.toml")
"""USD per 1M prompt/completion tokens, per provider and model name."""

ProviderBuild = Callable[[str, Settings], ChatModel]


def split_model_id(model_id: str) -> tuple[str, str]:
    """``"openai:gpt-4.1-mini"`` -> ``("openai", "gpt-4.1-mini")``; ``"scripted"`` has no name."""
    provider, _, model_name = model_id.strip().partition(":")
    if provider not in PROVIDERS:
        known = ", ".join(f"{name}:<model>" for name in PROVIDERS)
        raise ConfigError(f"unknown model id {model_id!r}: use one of {known}")
    if not model_name and provider_info(provider).needs_model_name:
        raise ConfigError(f"model id {model_id!r} lacks a model name ({provider}:<model>)")
    return provider, model_name


@cache
def _price_table() -> dict[str, dict[str, dict[str, float]]]:
    with PRICE_TABLE_PATH.open("rb") as handle:
        return cast(dict[str, dict[str, dict[str, float]]], tomllib.load(handle))


def price_for(model_id: str) -> Price:
    """The price of a model id from ``prices.toml``; a provider's ``"*"`` entry prices all its
    models (in-process and scripted ones are free). A model with no entry gets a zero price
    marked ``known=False``: it is not free, we just cannot enforce a budget on it."""
    provider, model_name = split_model_id(model_id)
    prices = _price_table().get(provider, {})
    entry = prices.get(model_name, prices.get("*"))
    if entry is None:
        return Price(known=False)
    return Price(entry.get("prompt", 0.0), entry.get("completion", 0.0))


def provider_info(provider: str) -> ProviderInfo:
    """The metadata a provider module declares (its env key, the ids the chat offers)."""
    return cast(ProviderInfo, importlib.import_module(PROVIDERS[provider]).INFO)


def chat_models(settings: Settings) -> list[str]:
    """Model ids worth offering in the chat: keyless providers' and those whose key is set."""
    offered: list[str] = []
    for provider in PROVIDERS:
        info = provider_info(provider)
        if info.key is None or info.key(settings) is not None:
            offered += info.chat_models
    return offered


def _provider_build(provider: str) -> ProviderBuild:
    module = importlib.import_module(PROVIDERS[provider])
    return cast(ProviderBuild, module.build)


def resolve_model(model_id: str, settings: Settings) -> ChatModel:
    """Build the model for one ``provider:model`` id (raises ``ConfigError`` when unusable)."""
    provider, model_name = split_model_id(model_id)
    model = _provider_build(provider)(model_name, settings)
    return dataclasses.replace(model, model_id=model_id.strip(), price=price_for(model_id))


def model_resolver(settings: Settings) -> ModelResolver:
    """The default resolver: ``resolve_model`` with one client per id for this resolver."""
    resolved: dict[str, ChatModel] = {}

    def resolve(model_id: str) -> ChatModel:
        if model_id not in resolved:
            resolved[model_id] = resolve_model(model_id, settings)
        return resolved[model_id]

    return resolve


def model_chain(role: ModelRole, settings: Settings) -> list[str]:
    """The role's model id followed by the configured fallbacks (duplicates removed)."""
    if role not in ROLE_SETTINGS:
        raise ConfigError(f"no model setting for role {role!r}")
    primary = str(getattr(settings, ROLE_SETTINGS[role]))
    fallbacks = [part.strip() for part in settings.model_fallbacks.split(",") if part.strip()]
    chain = [primary.strip()]
    chain += [model_id for model_id in fallbacks if model_id not in chain]
    if not chain[0]:
        raise ConfigError(f"{ROLE_SETTINGS[role]} is empty: set a provider:model id")
    return chain
