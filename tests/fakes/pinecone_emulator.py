"""A small emulator of Pinecone's REST API (version 2026-07), for tests of the real SDK.

Pinecone Local is end-of-life and Docker-only, so the Pinecone backend is tested against this:
stdlib ``http.server`` threads on loopback ports. The control plane listens on one port; every
index gets its own data-plane server on its own port, like Pinecone's per-index hosts.

Covered, with Pinecone's documented request/response shapes (camelCase JSON on the data plane,
``{"error": {"code", "message"}, "status"}`` bodies on the control plane, gRPC-style
``{"code", "message", "details"}`` bodies on the data plane):

- control plane: ``POST /indexes`` (201; 409 if the name exists; 400 for a bad schema),
  ``GET /indexes``, ``GET /indexes/{name}`` (404 if unknown), ``DELETE /indexes/{name}`` (202);
- data plane: ``POST /vectors/upsert`` (400 on dimension mismatch, bad ids or metadata, more
  than 1,000 vectors; 413 over 2 MB), ``POST /query`` (by vector or id, ``topK`` <= 10,000,
  filters with ``$eq $ne $in $nin $gt $gte $lt $lte $exists $and $or``, cosine/dotproduct/
  euclidean scores), ``GET /vectors/fetch``, ``POST /vectors/delete`` (ids, filter or
  ``deleteAll``; 404 for an unknown namespace), ``GET /vectors/list`` (prefix, limit,
  ``paginationToken``), ``POST /describe_index_stats``;
- every request needs an ``Api-Key`` header (401 otherwise); ``X-Pinecone-Api-Version`` is
  recorded so tests can check what the SDK sent;
- fault injection: ``fail_next(n, status, retry_after)`` answers the next ``n`` data-plane
  requests with that status (429 or 5xx) before serving normally; ``fail_path_after`` fails
  one path after some successful requests.

Not covered: sparse and hybrid vectors, ``/vectors/update``, ``fetch_by_metadata``, namespaces
API, records/documents/search (integrated inference and schema-based indexes), imports,
backups, collections, configure (PATCH), pod indexes, gRPC, read units/usage accounting beyond
a constant, eventual consistency (writes are visible at once), deletion protection, metadata
size limits (40 KB per record). Hosts are returned as ``http://127.0.0.1:<port>`` (Pinecone
returns bare ``https`` host names).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from tests.fakes.pinecone_filters import ApiFailure, check_metadata, filter_matches

API_VERSION = "2026-07"
MAX_UPSERT_VECTORS = 1000
MAX_REQUEST_BYTES = 2 * 1024 * 1024
MAX_TOP_K = 10_000


@dataclass
class EmulatedIndex:
    name: str
    dimension: int
    metric: str
    deployment: dict[str, Any]
    namespaces: dict[str, dict[str, tuple[list[float], dict[str, Any]]]] = field(
        default_factory=dict
    )
    server: ThreadingHTTPServer | None = None

    @property
    def host(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def model(self) -> dict[str, Any]:
        dense = {"type": "dense_vector", "dimension": self.dimension, "metric": self.metric}
        return {
            "name": self.name,
            "host": self.host,
            "status": {"ready": True, "state": "Ready"},
            "schema": {"fields": {"_values": dense}},
            "deployment": self.deployment,
            "deletion_protection": "disabled",
            "read_capacity": {"mode": "OnDemand", "status": {"state": "Ready"}},
            "tags": None,
        }


class Emulator:
    """The control plane plus one data-plane server per index, all on 127.0.0.1."""

    def __init__(self, api_key: str = "test-key") -> None:
        self.api_key = api_key
        self.indexes: dict[str, EmulatedIndex] = {}
        self.requests: list[tuple[str, str, str]] = []
        """(method, path, X-Pinecone-Api-Version) of every request."""
        self._faults: list[tuple[int, float | None]] = []
        self._path_rules: list[list[Any]] = []
        self._lock = threading.RLock()
        self._control = self._serve(None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._control.server_address[1]}"

    def fail_next(self, count: int, status: int = 429, retry_after: float | None = 0) -> None:
        with self._lock:
            self._faults.extend([(status, retry_after)] * count)

    def fail_path_after(self, path: str, successes: int, count: int, status: int = 503) -> None:
        """Serve ``successes`` requests to ``path`` normally, then fail the next ``count``."""
        with self._lock:
            self._path_rules.append([path, successes, count, status])

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._path_rules.clear()

    def close(self) -> None:
        for index in list(self.indexes.values()):
            self._stop(index)
        self._control.shutdown()
        self._control.server_close()

    # --- plumbing -----------------------------------------------------------------------
    def _serve(self, index: EmulatedIndex | None) -> ThreadingHTTPServer:
        handler = type("Handler", (_Handler,), {"emulator": self, "index": index})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return server

    def _stop(self, index: EmulatedIndex) -> None:
        if index.server is not None:
            index.server.shutdown()
            index.server.server_close()

    def take_fault(self, path: str) -> tuple[int, float | None] | None:
        with self._lock:
            for rule in self._path_rules:
                if rule[0] == path and rule[1] > 0:
                    rule[1] -= 1
                elif rule[0] == path and rule[2] > 0:
                    rule[2] -= 1
                    return rule[3], 0
            return self._faults.pop(0) if self._faults else None

    # --- control plane ------------------------------------------------------------------
    def control(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        if parts == ["indexes"] and method == "GET":
            return 200, {"indexes": [i.model() for i in self.indexes.values()]}
        if parts == ["indexes"] and method == "POST":
            return 201, self._create(body)
        if len(parts) == 2 and parts[0] == "indexes":
            index = self.indexes.get(parts[1])
            if index is None:
                raise ApiFailure(404, f"Resource {parts[1]} not found", "NOT_FOUND")
            if method == "GET":
                return 200, index.model()
            if method == "DELETE":
                with self._lock:
                    del self.indexes[index.name]
                threading.Thread(target=self._stop, args=(index,), daemon=True).start()
                return 202, None
        raise ApiFailure(404, f"no route {method} {path}", "NOT_FOUND")

    def _create(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise ApiFailure(400, "name is required")
        dense = ((body.get("schema") or {}).get("fields") or {}).get("_values")
        if not isinstance(dense, dict) or dense.get("type") != "dense_vector":
            raise ApiFailure(400, "the emulator only creates dense `_values` indexes")
        dimension, metric = dense.get("dimension"), dense.get("metric", "cosine")
        if not isinstance(dimension, int) or not 1 <= dimension <= 20_000:
            raise ApiFailure(400, "dimension must be an integer between 1 and 20000")
        if metric not in ("cosine", "dotproduct", "euclidean"):
            raise ApiFailure(400, f"unknown metric {metric}")
        with self._lock:
            if body["name"] in self.indexes:
                raise ApiFailure(409, f"Resource {body['name']} already exists", "ALREADY_EXISTS")
            deployment = dict(
                body.get("deployment")
                or {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"}
            )
            index = EmulatedIndex(body["name"], dimension, metric, deployment)
            index.server = self._serve(index)
            self.indexes[index.name] = index
        return index.model()

    # --- data plane ---------------------------------------------------------------------
    def data(
        self, index: EmulatedIndex, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        route = {
            ("POST", "/vectors/upsert"): self._upsert,
            ("POST", "/query"): self._query,
            ("POST", "/vectors/delete"): self._delete,
            ("POST", "/describe_index_stats"): self._stats,
        }.get((method, path))
        with self._lock:
            if route is not None:
                return 200, route(index, body if isinstance(body, dict) else {})
            if (method, path) == ("GET", "/vectors/fetch"):
                return 200, self._fetch(index, query)
            if (method, path) == ("GET", "/vectors/list"):
                return 200, self._list(index, query)
        raise ApiFailure(404, f"no route {method} {path}", 5)

    def _upsert(self, index: EmulatedIndex, body: dict[str, Any]) -> dict[str, Any]:
        vectors = body.get("vectors")
        if not isinstance(vectors, list) or not vectors:
            raise ApiFailure(400, "vectors must be a non-empty array", 3)
        if len(vectors) > MAX_UPSERT_VECTORS:
            raise ApiFailure(
                400,
                f"Request contains {len(vectors)} vectors; the maximum is {MAX_UPSERT_VECTORS}",
                3,
            )
        staged = {}
        for vector in vectors:
            vid, values = vector.get("id"), vector.get("values")
            if not isinstance(vid, str) or not 1 <= len(vid) <= 512:
                raise ApiFailure(400, "Vector ID must be a string of 1 to 512 characters", 3)
            if not isinstance(values, list) or len(values) != index.dimension:
                got = len(values) if isinstance(values, list) else 0
                raise ApiFailure(
                    400,
                    f"Vector dimension {got} does not match the dimension "
                    f"of the index {index.dimension}",
                    3,
                )
            staged[vid] = ([float(v) for v in values], check_metadata(vid, vector.get("metadata")))
        index.namespaces.setdefault(body.get("namespace", ""), {}).update(staged)
        return {"upsertedCount": len(staged)}

    def _query(self, index: EmulatedIndex, body: dict[str, Any]) -> dict[str, Any]:
        top_k, namespace = body.get("topK"), body.get("namespace", "")
        if not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
            raise ApiFailure(400, f"topK must be between 1 and {MAX_TOP_K}", 3)
        space = index.namespaces.get(namespace, {})
        vector = body.get("vector")
        if vector is None and "id" in body:
            vector = space.get(body["id"], (None, None))[0]
        if not isinstance(vector, list) or len(vector) != index.dimension:
            got = len(vector) if isinstance(vector, list) else 0
            raise ApiFailure(
                400,
                f"Query vector dimension {got} does not match the dimension "
                f"of the index {index.dimension}",
                3,
            )
        flt = body.get("filter")
        hits = [
            (vid, vals, meta)
            for vid, (vals, meta) in space.items()
            if not flt or filter_matches(flt, meta)
        ]
        scored = sorted(
            ((self._score(index.metric, vector, v), vid, v, m) for vid, v, m in hits),
            key=lambda t: -t[0],
        )[:top_k]
        matches = []
        for score, vid, values, meta in scored:
            match: dict[str, Any] = {"id": vid, "score": score}
            if body.get("includeValues"):
                match["values"] = values
            if body.get("includeMetadata") and meta:
                match["metadata"] = meta
            matches.append(match)
        return {"matches": matches, "namespace": namespace, "usage": {"readUnits": 1}}

    @staticmethod
    def _score(metric: str, a: list[float], b: list[float]) -> float:
        x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if metric == "dotproduct":
            return float(x @ y)
        if metric == "euclidean":
            return float(-np.linalg.norm(x - y))
        return float(x @ y / max(np.linalg.norm(x) * np.linalg.norm(y), 1e-12))

    def _fetch(self, index: EmulatedIndex, query: dict[str, list[str]]) -> dict[str, Any]:
        namespace = query.get("namespace", [""])[0]
        space = index.namespaces.get(namespace, {})
        vectors = {
            vid: {"id": vid, "values": space[vid][0], "metadata": space[vid][1]}
            for vid in query.get("ids", [])
            if vid in space
        }
        return {"vectors": vectors, "namespace": namespace, "usage": {"readUnits": 1}}

    def _delete(self, index: EmulatedIndex, body: dict[str, Any]) -> dict[str, Any]:
        namespace = body.get("namespace", "")
        selectors = [k for k in ("ids", "deleteAll", "filter") if body.get(k)]
        if len(selectors) != 1:
            raise ApiFailure(400, "Exactly one of ids, deleteAll or filter must be given", 3)
        if namespace not in index.namespaces:
            raise ApiFailure(404, "Namespace not found", 5)
        space = index.namespaces[namespace]
        if body.get("deleteAll"):
            del index.namespaces[namespace]
            return {}
        doomed = (
            body["ids"]
            if body.get("ids")
            else [vid for vid, (_, meta) in space.items() if filter_matches(body["filter"], meta)]
        )
        for vid in doomed:
            space.pop(vid, None)
        if not space:
            del index.namespaces[namespace]
        return {}

    def _list(self, index: EmulatedIndex, query: dict[str, list[str]]) -> dict[str, Any]:
        namespace = query.get("namespace", [""])[0]
        prefix = query.get("prefix", [""])[0]
        limit = int(query.get("limit", ["100"])[0])
        if not 1 <= limit <= 100:
            raise ApiFailure(400, "limit must be between 1 and 100", 3)
        ids = sorted(v for v in index.namespaces.get(namespace, {}) if v.startswith(prefix))
        start = int(query.get("paginationToken", ["0"])[0] or 0)
        page = ids[start : start + limit]
        out: dict[str, Any] = {
            "vectors": [{"id": v} for v in page],
            "namespace": namespace,
            "usage": {"readUnits": 1},
        }
        if start + limit < len(ids):
            out["pagination"] = {"next": str(start + limit)}
        return out

    def _stats(self, index: EmulatedIndex, body: dict[str, Any]) -> dict[str, Any]:
        flt = body.get("filter")
        counts = {
            ns: sum(1 for _, meta in space.values() if not flt or filter_matches(flt, meta))
            for ns, space in index.namespaces.items()
        }
        return {
            "namespaces": {ns: {"vectorCount": n} for ns, n in counts.items()},
            "dimension": index.dimension,
            "indexFullness": 0.0,
            "totalVectorCount": sum(counts.values()),
            "metric": index.metric,
            "vectorType": "dense",
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    emulator: Emulator
    index: EmulatedIndex | None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.emulator.requests.append(
            (method, url.path, self.headers.get("X-Pinecone-Api-Version", ""))
        )
        try:
            status, payload = self._dispatch(method, url.path, parse_qs(url.query), raw)
            self._send(status, payload)
        except ApiFailure as failure:
            self._send_error(failure)

    def _dispatch(
        self, method: str, path: str, query: dict[str, list[str]], raw: bytes
    ) -> tuple[int, Any]:
        if self.headers.get("Api-Key") != self.emulator.api_key:
            raise ApiFailure(401, "Invalid API Key", "UNAUTHENTICATED")
        if self.index is None:
            return self.emulator.control(method, path, _json(raw))
        fault = self.emulator.take_fault(path)
        if fault is not None:
            status, retry_after = fault
            headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
            raise _Fault(status, headers)
        if len(raw) > MAX_REQUEST_BYTES:
            raise ApiFailure(
                413, f"Request size {len(raw)} exceeds the limit of {MAX_REQUEST_BYTES} bytes", 3
            )
        return self.emulator.data(self.index, method, path, query, _json(raw))

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_error(self, failure: ApiFailure) -> None:
        headers = failure.headers if isinstance(failure, _Fault) else {}
        if self.index is None:
            payload: Any = {
                "error": {"code": failure.code, "message": failure.message},
                "status": failure.status,
            }
        else:
            code = failure.code if isinstance(failure.code, int) else 3
            payload = {"code": code, "message": failure.message, "details": []}
        self._send(failure.status, payload, headers)


class _Fault(ApiFailure):
    def __init__(self, status: int, headers: dict[str, str]) -> None:
        code = 8 if status == 429 else 14
        super().__init__(status, "Too Many Requests" if status == 429 else "Unavailable", code)
        self.headers = headers


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiFailure(400, f"request body is not JSON: {exc}") from exc
