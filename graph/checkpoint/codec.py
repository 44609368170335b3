"""What the saver sends to Redis and how it reads the answers back (no I/O here).

Values are serialized with LangGraph's serde (``dumps_typed``/``loads_typed``: msgpack or JSON,
never pickle); the saver only frames the resulting ``(type, bytes)`` pairs with msgpack so a
record, a blob or a write is one Redis value. Sync and async savers share everything here.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ormsgpack
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    PendingWrite,
    SerializerProtocol,
    get_checkpoint_metadata,
    writes_sort_key,
)

from graph.checkpoint.keys import (
    NUL,
    blob_channel,
    blob_field,
    checkpoint_name,
    require_text,
    split_checkpoint_name,
    write_field,
)
from tools.errors import InputError, StoreError

EMPTY = "empty"
"""Type tag of a channel listed in ``new_versions`` without a value (as InMemorySaver does)."""


@dataclass(frozen=True)
class Target:
    """Which thread, namespace and checkpoint a config points at."""

    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    """Empty when the config names no checkpoint (then: the newest one)."""

    @property
    def name(self) -> str:
        return checkpoint_name(self.checkpoint_ns, self.checkpoint_id)


def target_of(config: RunnableConfig | None) -> Target:
    """Parse a LangGraph config; InputError when it names no thread or has wrong types."""
    if not isinstance(config, Mapping) or not isinstance(config.get("configurable"), Mapping):
        raise InputError("a checkpoint config needs a 'configurable' mapping with a thread_id")
    configurable = config["configurable"]
    if configurable.get("thread_id") is None:
        raise InputError("a checkpoint config needs configurable.thread_id")
    checkpoint_id = configurable.get("checkpoint_id")
    return Target(
        thread_id=require_text(configurable["thread_id"], "thread_id"),
        checkpoint_ns=require_text(configurable.get("checkpoint_ns") or "", "checkpoint_ns"),
        checkpoint_id=require_text(checkpoint_id, "checkpoint_id") if checkpoint_id else "",
    )


def next_version(current: str | int | float | None) -> str:
    """Zero-padded counter plus a random suffix, so forks never reuse a blob field."""
    number = 0 if current is None else int(str(current).split(".")[0])
    return f"{number + 1:012d}.{random.getrandbits(32):08x}"


def pack_typed(typed: tuple[str, bytes]) -> bytes:
    return ormsgpack.packb([typed[0], typed[1]])


def unpack_typed(raw: bytes) -> tuple[str, bytes]:
    type_name, payload = ormsgpack.unpackb(raw)
    return str(type_name), bytes(payload)


DELTA_METADATA_KEY = "counters_since_delta_snapshot"
"""Present in the metadata of threads using LangGraph's (beta) DeltaChannel."""


@dataclass(frozen=True)
class PutPlan:
    """One put: what goes into the thread's data hash and lex index."""

    target: Target
    run_id: str
    """Run id from the metadata ('' when none): the run index needs it."""
    fields: list[Any]
    """HSET field/value pairs: record, refs, parent + NUL + run, then the new blobs."""
    members: list[Any]
    """ZADD score/member pairs: the checkpoint and, with a run id, its run entry."""
    uses_delta_channels: bool
    """Pruning would break such threads (their values are rebuilt from older checkpoints)."""


def put_args(
    serde: SerializerProtocol,
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    new_versions: ChannelVersions,
) -> PutPlan:
    """Serialize one checkpoint: record, blobs of the channels in ``new_versions``, refs."""
    if not isinstance(checkpoint, Mapping) or "id" not in checkpoint:
        raise InputError("checkpoint must be a LangGraph Checkpoint mapping with an 'id'")
    parent = target_of(config)
    target = Target(parent.thread_id, parent.checkpoint_ns, require_text(checkpoint["id"], "id"))
    stored: dict[str, Any] = dict(checkpoint)
    values: dict[str, Any] = stored.pop("channel_values", None) or {}
    full_metadata = get_checkpoint_metadata(config, metadata)
    run_id = full_metadata.get("run_id")
    run = require_text(run_id, "run_id") if run_id else ""
    record = ormsgpack.packb([*serde.dumps_typed(stored), *serde.dumps_typed(full_metadata)])
    ns, m = target.checkpoint_ns, target.name
    referenced = {**checkpoint.get("channel_versions", {}), **new_versions}
    refs = [blob_field(ns, require_text(ch, "channel"), str(v)) for ch, v in referenced.items()]
    fields: list[Any] = [f"c{m}", record, f"v{m}", ormsgpack.packb(refs)]
    fields += [f"p{m}", f"{parent.checkpoint_id}{NUL}{run}"]
    for channel, version in new_versions.items():
        typed = serde.dumps_typed(values[channel]) if channel in values else (EMPTY, b"")
        fields += [blob_field(ns, channel, str(version)), pack_typed(typed)]
    members: list[Any] = [0, f"c{m}"]
    if run:
        members += [0, f"r{run}{NUL}{m}"]
    return PutPlan(target, run, fields, members, DELTA_METADATA_KEY in full_metadata)


def put_writes_args(
    serde: SerializerProtocol,
    config: RunnableConfig,
    writes: Sequence[tuple[str, Any]],
    task_id: str,
    task_path: str,
) -> tuple[Target, list[tuple[str, bytes, bool]]]:
    """``(target, [(field, framed value, overwrite), ...])``: one entry per write.

    Special writes (negative index: errors, interrupts, ...) overwrite, regular ones are
    first-wins, as in LangGraph's own savers.
    """
    target = target_of(config)
    if not target.checkpoint_id:
        raise InputError("put_writes needs a config naming a checkpoint_id")
    task = require_text(task_id, "task_id")
    framed_writes = []
    for idx, (channel, value) in enumerate(writes):
        slot = WRITES_IDX_MAP.get(channel, idx)
        framed = ormsgpack.packb([task, slot, channel, task_path, *serde.dumps_typed(value)])
        framed_writes.append((write_field(target.name, task, slot), framed, slot < 0))
    return target, framed_writes


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8") if isinstance(raw, bytes) else raw


def decode_row(serde: SerializerProtocol, thread_id: str, row: Sequence[Any]) -> CheckpointTuple:
    """One ``load()`` row of a script -> CheckpointTuple; StoreError names what is unreadable."""
    name = _text(row[0])
    checkpoint_ns, checkpoint_id = split_checkpoint_name(name)
    try:
        return _decode(serde, thread_id, checkpoint_ns, checkpoint_id, row)
    except Exception as exc:
        raise StoreError(
            f"checkpoint {checkpoint_id!r} (namespace {checkpoint_ns!r}) of thread "
            f"{thread_id!r} is unreadable: {type(exc).__name__}: {exc}"
        ) from exc


def _decode(
    serde: SerializerProtocol,
    thread_id: str,
    checkpoint_ns: str,
    checkpoint_id: str,
    row: Sequence[Any],
) -> CheckpointTuple:
    _, record, parent_and_run, refs_raw, blob_values, write_values = row
    ctype, cbytes, mtype, mbytes = ormsgpack.unpackb(record)
    checkpoint: dict[str, Any] = serde.loads_typed((ctype, cbytes))
    versions = checkpoint.get("channel_versions", {})
    values: dict[str, Any] = {}
    refs = ormsgpack.unpackb(refs_raw) if refs_raw else []
    for field, raw in zip(refs, blob_values, strict=True):
        channel = blob_channel(field)
        if raw is None or channel not in versions:
            continue
        typed = unpack_typed(raw)
        if typed[0] != EMPTY:
            values[channel] = serde.loads_typed(typed)
    checkpoint["channel_values"] = values
    parent_id = _text(parent_and_run).partition("\0")[0]
    return CheckpointTuple(
        config=_config(thread_id, checkpoint_ns, checkpoint_id),
        checkpoint=checkpoint,  # type: ignore[arg-type]
        metadata=serde.loads_typed((mtype, mbytes)),
        parent_config=_config(thread_id, checkpoint_ns, parent_id) if parent_id else None,
        pending_writes=_decode_writes(serde, write_values),
    )


def _decode_writes(serde: SerializerProtocol, write_values: Sequence[bytes]) -> list[PendingWrite]:
    framed = [ormsgpack.unpackb(raw) for raw in write_values if raw is not None]
    framed.sort(key=lambda w: writes_sort_key(w[3], w[0], w[1]))
    return [(task, channel, serde.loads_typed((t, b))) for task, _, channel, _, t, b in framed]


def _config(thread_id: str, checkpoint_ns: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": checkpoint_ns,
            "checkpoint_id": checkpoint_id,
        }
    }


def matches(metadata: Mapping[str, Any], wanted: Mapping[str, Any] | None) -> bool:
    """Whether ``metadata`` holds every key/value of ``wanted`` (list filter semantics)."""
    return not wanted or all(metadata.get(k) == v for k, v in wanted.items())


def run_ids_of(members: Sequence[bytes]) -> set[str]:
    """Run ids found among exported index members (``r<run>\\0<m>``)."""
    return {_text(m)[1:].partition("\0")[0] for m in members if _text(m).startswith("r")}
