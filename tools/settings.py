"""Brandloom settings: the only module that reads the environment.

Every field maps to one environment variable (``BRANDLOOM_<FIELD>`` unless an alias says
otherwise) and appears in ``.env.example``; ``tests/tools/test_settings.py`` checks both lists
match. Secrets are ``SecretStr`` so they never print in traces, logs or errors.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration, read once from the environment and ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix="BRANDLOOM_",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
    )

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Path(".brandloom")
    """Folder for embedded state: Redis data, vector index, outbox, chat history."""
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    """External Redis (6.2+, Valkey, Cluster). Unset: an embedded Redis is started."""
    checkpoint_ttl_seconds: int | None = None
    """Expire a campaign's checkpoints this long after last use; unset keeps them forever."""

    # --- models (roles map to ``provider:model`` ids) ------------------------------------
    model_router: str = "local:smollm2-135m"
    """Model id for the ``router`` role."""
    model_writer: str = "local:smollm2-135m"
    """Model id for the ``writer`` role (specialists that draft copy)."""
    model_critic: str = "local:smollm2-135m"
    """Model id for the ``critic`` role (compliance and review helpers)."""
    model_fallbacks: str = ""
    """Comma-separated model ids tried in order after a role's own model fails."""
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    """Key for ``openai:`` models."""
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    """Base URL for OpenAI-compatible servers (vLLM, Ollama, llama.cpp server)."""
    gemini_api_key: SecretStr | None = Field(default=None, validation_alias="GEMINI_API_KEY")
    """Key for ``gemini:`` models (google-genai)."""

    # --- brand memory ----------------------------------------------------------------------
    memory_backend: Literal["embedded", "pinecone"] = "embedded"
    """Where long-term brand memory lives."""
    pinecone_api_key: SecretStr | None = Field(default=None, validation_alias="PINECONE_API_KEY")
    """Pinecone API key (memory_backend=pinecone)."""
    pinecone_index: str = "brandloom"
    """Pinecone index name."""
    pinecone_host: str | None = None
    """Pinecone index host (data plane), when it should not be looked up."""
    memory_cache_ttl_seconds: int = 600
    """How long recall results and brand profiles stay in the Redis hot tier."""

    # --- campaign limits --------------------------------------------------------------------
    campaign_budget_usd: float = 1.0
    """Default spend cap for one campaign."""
    task_budget_usd: float = 0.25
    """Spend cap for one deliverable task."""
    task_token_limit: int = 20_000
    """Token cap (prompt + completion) for one deliverable task."""
    max_concurrency: int = 4
    """How many deliverable tasks run at once."""
    task_timeout_seconds: float = 300.0
    """Wall-clock limit for one model call of a deliverable task."""
    max_revisions: int = 2
    """How many times the verifier sends a failing asset back to its specialist."""

    @property
    def redis_dir(self) -> Path:
        """Data folder of the embedded Redis server."""
        return self.data_dir / "redis"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
