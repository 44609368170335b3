"""Brand memory: embeddings, a vector store (embedded or Pinecone), a Redis hot tier.

``open_memory(settings)`` builds the configured ``BrandMemory``; see ``facade`` for the API.
"""

from __future__ import annotations

import redis

from tools.memory.base import MEMORY_KINDS, MemoryKind, MemoryStore
from tools.memory.facade import BrandMemory, MemoryRole
from tools.memory.hot import HotTier
from tools.memory.ingest import Chunking
from tools.memory.items import BrandProfile, IngestReport, MemoryItem
from tools.settings import Settings

__all__ = [
    "MEMORY_KINDS",
    "BrandMemory",
    "BrandProfile",
    "IngestReport",
    "MemoryItem",
    "MemoryKind",
    "MemoryRole",
    "open_memory",
    "open_store",
]


def open_store(settings: Settings) -> MemoryStore:
    """The configured vector store: embedded (default) or Pinecone."""
    from tools.embeddings import DIMENSION

    if settings.memory_backend == "pinecone":
        from tools.memory.pinecone import PineconeMemoryStore

        key = settings.pinecone_api_key.get_secret_value() if settings.pinecone_api_key else ""
        return PineconeMemoryStore(
            api_key=key,
            index_name=settings.pinecone_index,
            dimension=DIMENSION,
            host=settings.pinecone_host,
            api_host=settings.pinecone_api_host,
            cloud=settings.pinecone_cloud,
            region=settings.pinecone_region,
            max_retries=settings.pinecone_max_retries,
            backoff_seconds=settings.pinecone_backoff_seconds,
        )
    from tools.memory.embedded import EmbeddedMemoryStore

    return EmbeddedMemoryStore(settings.data_dir / "memory", DIMENSION)


def open_memory(
    settings: Settings,
    redis_client: redis.Redis | None = None,
    *,
    role: MemoryRole = "editor",
) -> BrandMemory:
    """Brand memory as configured; the hot tier uses ``redis_client`` or the configured Redis.

    ``role`` is who acts by default (the graph's service acts for reviewers it already
    checked; the chat passes the signed-in user's role).
    """
    from tools.embeddings import get_embedder
    from tools.redis_server import connect

    hot = None
    if settings.memory_cache_ttl_seconds > 0:
        client = redis_client if redis_client is not None else connect(settings)
        hot = HotTier(client, ttl_seconds=settings.memory_cache_ttl_seconds)
    chunking = Chunking(settings.memory_chunk_chars, settings.memory_chunk_overlap)
    return BrandMemory(open_store(settings), get_embedder, hot, role=role, chunking=chunking)
