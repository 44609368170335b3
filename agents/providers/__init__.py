"""Model providers behind one factory: ``provider:model`` ids -> AutoGen clients.

``resolve_model`` / ``model_resolver`` build real models from settings; ``scripted_resolver``
with ``ScriptedModel`` is the drop-in for tests (see ``agents.registry.build_specialists``).
"""

from __future__ import annotations

from agents.providers.factory import model_chain, model_resolver, price_for, resolve_model
from agents.providers.model import ChatModel, ModelResolver, Price
from agents.providers.resilience import CallContext, ResilientClient, RetryPolicy
from agents.providers.scripted import ScriptedModel, ScriptExhausted, scripted_resolver

__all__ = [
    "CallContext",
    "ChatModel",
    "ModelResolver",
    "Price",
    "ResilientClient",
    "RetryPolicy",
    "ScriptExhausted",
    "ScriptedModel",
    "model_chain",
    "model_resolver",
    "price_for",
    "resolve_model",
    "scripted_resolver",
]
