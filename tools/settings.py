"""Brandloom settings: the only module that reads the environment.

Every field maps to one environment variable (``BRANDLOOM_<FIELD>`` unless an alias says
otherwise) and appears in ``.env.example``; ``tests/tools/test_settings.py`` checks both lists
match. Secrets are ``SecretStr`` so they never print in traces, logs or errors.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration, read once from the environment and ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix="BRANDLOOM_",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,
    )

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Path(".brandloom")
    """Folder for embedded state: Redis data, vector index, outbox, chat history."""
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    """External Redis (6.2+, Valkey, Cluster). Unset: an embedded Redis is started."""
    checkpoint_ttl_seconds: int | None = None
    """Expire a campaign's checkpoints this long after last use; unset keeps them forever."""
    # --- checkpoint saver (graph/checkpoint) ---
    checkpoint_keep_last: int = Field(default=0, ge=0)
    """Keep each campaign's newest N checkpoints (pruned inside every save); 0 keeps them all.
    Audit, trace and KPIs read the content store, so pruning loses none of them; forks and time
    travel reach back N checkpoints only."""
    redis_cluster: bool = False
    """REDIS_URL names a node of a Redis Cluster: use the cluster clients."""
    checkpoint_lease_seconds: float = 30.0
    """How long a crashed run keeps its campaign locked (live runs renew every third of it)."""
    stop_poll_seconds: float = Field(default=0.5, gt=0)
    """How often a running campaign checks for a stop asked from another process."""
    # --- content store of record (tools/content_store; owner: STORE engineer) ---
    content_store_url: str | None = None
    """SQLAlchemy URL of the content store (``postgresql://user@host/db`` in production).
    Unset: an embedded SQLite file, ``<data_dir>/content.sqlite3`` (WAL, no set-up)."""

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
    gemini_base_url: str | None = None
    """Base URL of the Gemini API (a proxy or gateway); unset: Google's endpoint."""

    # --- model calls: retries, sampling, the local model (owner: AGENTS engineer) ----------
    model_max_retries: int = 3
    """Retries of one model on transient failures (timeouts, 429, 5xx) before the next fallback."""
    model_retry_base_seconds: float = 0.5
    """First backoff delay in seconds; doubles per retry, with full jitter."""
    model_retry_max_seconds: float = 20.0
    """Cap of one backoff delay in seconds (also caps a provider's Retry-After)."""
    model_max_tokens: int = 512
    """Cap of completion tokens for one model call."""
    model_temperature: float = 0.7
    """Sampling temperature for drafting (0 = greedy, reproducible)."""
    local_model_threads: int = 2
    """CPU threads of the in-process llama.cpp model."""
    local_model_context: int = 2048
    """Context window (tokens) of the in-process llama.cpp model."""
    local_model_seed: int = 42
    """Sampling seed of the in-process llama.cpp model (fixed: runs are repeatable)."""

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
    # --- brand memory: MEMORY engineer (issue 4) ------------------------------------------
    pinecone_api_host: str | None = None
    """Pinecone control-plane URL; unset uses Pinecone's (set for a proxy or an emulator)."""
    pinecone_cloud: str = "aws"
    """Cloud of the serverless index created when it does not exist."""
    pinecone_region: str = "us-east-1"
    """Region of the serverless index created when it does not exist."""
    pinecone_max_retries: int = 4
    """Retries of a Pinecone operation after 429/5xx/timeouts (on top of the SDK's own)."""
    pinecone_backoff_seconds: float = 0.5
    """First backoff delay of those retries; doubles each time, with jitter."""
    memory_chunk_chars: int = 800
    """Target size of an ingested chunk, in characters."""
    memory_chunk_overlap: int = 120
    """Characters shared by consecutive chunks of one document."""

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
    allowed_link_domains: str = ""
    """Comma-separated domains drafts may link to (subdomains included), besides the links
    quoted in the brief, the product data and brand memory; any other link fails ``links``."""

    # --- campaign engine (graph/; owner: GRAPH engineer) ------------------------------------
    campaign_memory: bool = True
    """Campaigns recall brand memory before drafts and learn from review edits/rejections."""
    campaign_triage: bool = True
    """Campaigns use the tone/category classifiers at intake, in the verifier and for tags."""
    campaign_compliance: bool = False
    """The verifier asks the compliance critic (``critic`` role) about drafts that pass the
    deterministic checks: one extra model call per such draft."""
    brief_max_chars: int = 200_000
    """Size cap of a brief, in characters."""

    # --- input limits: every brief, budget and plan is checked against these before anything
    # is saved (graph/planning/checks.py; owner: INPUT engineer, issue 12) ---------------------
    brief_max_count: int = Field(default=100, ge=1, le=1000)
    """Most assets one line of a brief may ask for (``10 social posts``)."""
    budget_max_usd: float = Field(default=1000.0, gt=0)
    """Highest campaign budget a brief, ``--budget`` or the chat may set, in US dollars."""
    plan_max_deliverables: int = Field(default=10_000, ge=1, le=10_000)
    """Most deliverables one campaign's plan may hold (whatever the triage setting)."""

    # --- task engine and bulk jobs (graph/service/workers, graph/service/bulk) ------------
    worker_processes: int = Field(default=1, ge=1, le=64)
    """Worker processes of the local pool the CLI starts when no worker is alive."""
    worker_threads: int = Field(default=2, ge=1, le=64)
    """Worker threads per worker process (each runs one thread's step at a time)."""
    worker_heartbeat_seconds: float = Field(default=2.0, gt=0)
    """How often a worker refreshes its heartbeat in Redis (it expires after 5 of these)."""
    worker_redelivery_ms: int = Field(default=15_000, ge=1_000)
    """A dead worker's unacknowledged messages are redelivered after this (Dramatiq's broker
    heartbeat timeout)."""
    provider_requests_per_minute: int = Field(default=0, ge=0)
    """Model requests per minute per provider, shared by all workers (0: unlimited)."""
    provider_tokens_per_minute: int = Field(default=0, ge=0)
    """Model tokens (worst case reserved) per minute per provider, shared (0: unlimited)."""
    bulk_max_file_mb: float = Field(default=50.0, gt=0)
    """Largest products CSV ``brandloom bulk submit`` reads, in megabytes."""

    # --- chat workspace (UI; owner: UI engineer) ----------------------------------------
    chainlit_auth_secret: SecretStr | None = Field(
        default=None, validation_alias="CHAINLIT_AUTH_SECRET"
    )
    """Signs chat session tokens; unset: one is generated once and kept in the data dir."""
    ui_campaign_budget_max_usd: float = 20.0
    """Highest campaign budget a user may pick in the chat settings, in US dollars."""

    # --- small-model triage (classifiers; owner: CLASSIFY engineer) -----------------------
    triage_dir: Path | None = None
    """Folder of the trained tone/category heads; unset: the artefact shipped in the repo."""

    # --- publishing connectors (tools/connectors; owner: CONNECTORS engineer, issue 15) ----
    connectors: dict[str, str] = Field(default_factory=dict)
    """Channel -> connector ``name/version`` as JSON (``{"email": "ghost/v5"}``); a
    channel not listed uses ``connector_default``."""
    connector_default: str = "outbox/v1"
    """Connector of every channel ``connectors`` does not name."""
    outbox_dir: Path | None = None
    """Folder ``outbox/v1`` writes to; unset: ``<data_dir>/outbox``. Workers on several
    machines publishing to the outbox must share one folder, or each writes its own copy."""
    connectors_live: str = ""
    """Comma-separated channels whose items go live at once; the others are sent as drafts."""
    connector_timeout_seconds: float = Field(default=10.0, gt=0)
    """Timeout of one connector HTTP call."""
    connector_max_retries: int = Field(default=4, ge=0)
    """Retries of a connector call after 429, 5xx, throttling or a timeout."""
    connector_backoff_seconds: float = Field(default=0.5, ge=0)
    """First backoff delay of those retries; doubles each time (Retry-After wins if longer)."""
    webhook_url: str | None = None
    """Receiver of ``webhook/v1`` deliveries."""
    webhook_secret: SecretStr | None = None
    """``whsec_...`` secret that signs ``webhook/v1`` deliveries (Standard Webhooks)."""
    callback_secret: SecretStr | None = None
    """``whsec_...`` secret that inbound completion callbacks are signed with."""
    shopify_url: str | None = None
    """Shop admin base URL (``https://shop.myshopify.com``) for ``shopify/v2026_01``."""
    shopify_access_token: SecretStr | None = None
    """Admin API access token of the Shopify app."""
    shopify_bulk_threshold: int = Field(default=50, ge=1)
    """Jobs with at least this many products go through a bulk operation (JSONL upload)."""
    wordpress_url: str | None = None
    """Site URL of the WordPress that ``wordpress/v2`` publishes to."""
    wordpress_user: str | None = None
    """WordPress user name the application password belongs to."""
    wordpress_app_password: SecretStr | None = None
    """WordPress application password (Users > Profile > Application Passwords)."""
    wordpress_post_type: Literal["posts", "pages"] = "posts"
    """What ``wordpress/v2`` creates: posts or pages."""
    ghost_url: str | None = None
    """Site URL of the Ghost that ``ghost/v5`` publishes to."""
    ghost_admin_key: SecretStr | None = None
    """Admin API key of a Ghost custom integration (``<id>:<hex secret>``)."""

    @field_validator("data_dir", "triage_dir", "outbox_dir", mode="after")
    @classmethod
    def _absolute_path(cls, path: Path | None) -> Path | None:
        """Relative paths are resolved once, here, against the working directory at start-up.

        Everything downstream (the embedded Redis socket URL, the outbox, error messages,
        ``brandloom doctor``) then sees one absolute path, whichever folder a later call runs in.
        """
        return None if path is None else path.expanduser().resolve()

    @field_validator("redis_url", mode="after")
    @classmethod
    def _absolute_socket(cls, url: str | None) -> str | None:
        """``unix://`` URLs with a relative socket path are resolved like the paths above.

        ``unix://.brandloom/redis.sock`` would otherwise parse as host ``.brandloom``.
        """
        if url is None or not url.startswith("unix://") or url.startswith("unix:///"):
            return url
        path, _, query = url.removeprefix("unix://").partition("?")
        resolved = f"unix://{Path(path).expanduser().resolve()}"
        return f"{resolved}?{query}" if query else resolved

    @property
    def redis_dir(self) -> Path:
        """Data folder of the embedded Redis server."""
        return self.data_dir / "redis"

    @property
    def content_store_path(self) -> Path:
        """SQLite file of the embedded content store (used when ``content_store_url`` is unset)."""
        return self.data_dir / "content.sqlite3"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
