"""Key layout of the Redis checkpoint saver.

Every thread owns exactly four keys, all carrying the hash tag ``{<thread>}`` so that every
multi-key operation stays in one Redis Cluster slot::

    <prefix>:{<thread>}:i      sorted set, all scores 0, ordered by member bytes (lex index)
    <prefix>:{<thread>}:d      hash holding the data
    <prefix>:{<thread>}:lease  string, the one-writer lease (see ``lease.py``)
    <prefix>:{<thread>}:stop   string, a stop request: the token of the lease it stops

and one small set per run id lists the threads a run wrote to (``delete_for_runs``)::

    <prefix>:run:{<run>}       set of thread ids

``<thread>`` and ``<run>`` are percent-encoded: every byte outside ``[A-Za-z0-9_.-]`` becomes
``%XX``, so an id can neither break out of its hash tag nor collide with another id. Ids never
reach a key *pattern* (no KEYS or SCAN anywhere) nor Lua source (they travel as ARGV).

Inside a thread, ``m = ns + "\\0" + checkpoint_id`` names a checkpoint. Index members and hash
fields share these names, so one name addresses both::

    c<m>                        index + hash: record (msgpack of serde-typed checkpoint, metadata)
    v<m>                        hash: msgpack list of the blob fields the checkpoint references
    p<m>                        hash: parent checkpoint id + "\\0" + run id (either may be empty)
    r<run>\\0<m>                 index: the checkpoints of a run
    w<m>\\0<task_id>\\0<idx>      index + hash: one pending write
    b<ns>\\0<channel>\\0<version> hash: one channel value (deduplicated per channel version)

Lex ranges such as ``[c<ns>\\0`` .. ``(c<ns>\\1`` select a namespace; that is why namespaces,
ids, channels and run ids must not contain NUL (``require_text`` rejects them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from tools.errors import ConfigError, InputError

_UNSAFE_BYTE = re.compile(rb"[^A-Za-z0-9_.\-]")
NUL = "\0"


def encode_key_part(value: str) -> str:
    """Percent-encode ``value`` so it is safe inside a hash tag and cannot collide."""
    raw = value.encode("utf-8")
    return _UNSAFE_BYTE.sub(lambda match: b"%%%02X" % match.group()[0], raw).decode("ascii")


def require_text(value: Any, what: str) -> str:
    """``value`` as a string id, or InputError naming ``what`` when it cannot be one.

    Strings, ints and UUID-like objects are accepted (LangGraph passes whatever the caller put
    in the config); NUL bytes are rejected because they delimit index ranges.
    """
    if type(value) is str and NUL not in value:  # the common case, on every saver call
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | UUID):
        raise InputError(f"{what} must be a string, got {type(value).__name__}")
    text = str(value)
    if NUL in text:
        raise InputError(f"{what} must not contain NUL characters")
    return text


@dataclass(frozen=True)
class ThreadKeys:
    """The Redis keys of one thread."""

    index: str
    """Sorted set used as a lex index over checkpoints, writes and runs."""
    data: str
    """Hash holding records, blobs and writes."""
    lease: str
    """String holding the lease token of the current writer."""
    stop: str
    """String holding a stop request: the lease token of the run it asks to stop."""


@dataclass(frozen=True)
class KeySpace:
    """Builds key names under one prefix (one prefix = one independent saver namespace)."""

    prefix: str = "brandloom:cp"
    """Operator-chosen prefix; must not contain ``{`` or ``}`` (they would move the hash tag)."""

    def __post_init__(self) -> None:
        if not self.prefix or "{" in self.prefix or "}" in self.prefix:
            raise ConfigError("checkpoint key prefix must be non-empty and contain no braces")

    def thread(self, thread_id: str) -> ThreadKeys:
        base = f"{self.prefix}:{{{encode_key_part(thread_id)}}}"
        return ThreadKeys(
            index=f"{base}:i", data=f"{base}:d", lease=f"{base}:lease", stop=f"{base}:stop"
        )

    def run(self, run_id: str) -> str:
        return f"{self.prefix}:run:{{{encode_key_part(run_id)}}}"


def checkpoint_name(checkpoint_ns: str, checkpoint_id: str) -> str:
    """``m``: the name of a checkpoint inside its thread."""
    return f"{checkpoint_ns}{NUL}{checkpoint_id}"


def split_checkpoint_name(name: str) -> tuple[str, str]:
    """``(checkpoint_ns, checkpoint_id)`` of a checkpoint name."""
    checkpoint_ns, _, checkpoint_id = name.partition(NUL)
    return checkpoint_ns, checkpoint_id


def blob_field(checkpoint_ns: str, channel: str, version: str) -> str:
    return f"b{checkpoint_ns}{NUL}{channel}{NUL}{version}"


def blob_channel(field: str) -> str:
    """The channel name inside a blob field."""
    return field.split(NUL)[1]


def write_field(name: str, task_id: str, idx: int) -> str:
    return f"w{name}{NUL}{task_id}{NUL}{idx}"
