"""A tiny scripted HTTP server on 127.0.0.1 for provider tests (real sockets, real SDKs).

Each request pops the next ``Reply``; requests are recorded (path, headers, JSON body) so tests
can check how our providers map messages onto the vendor's wire format.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    json_body: Any = None
    """Sent as one JSON document (errors, non-streaming answers)."""
    sse_events: list[Any] = field(default_factory=list)
    """Sent as ``data: <json>`` server-sent events (streaming answers)."""
    sse_done: bool = True
    """Close an SSE stream with ``data: [DONE]`` (OpenAI does, Gemini does not)."""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: Any


class LoopbackServer:
    """``with LoopbackServer([Reply(...), ...]) as server: server.url``."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[Recorded] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                headers = {name.lower(): value for name, value in self.headers.items()}
                server.requests.append(Recorded(self.path, headers, body))
                if not server.replies:
                    self._send(Reply(status=599, json_body={"error": "no scripted reply"}))
                    return
                self._send(server.replies.pop(0))

            def _send(self, reply: Reply) -> None:
                if reply.sse_events:
                    lines = [f"data: {json.dumps(event)}\n\n" for event in reply.sse_events]
                    lines += ["data: [DONE]\n\n"] if reply.sse_done else []
                    payload, kind = "".join(lines).encode(), "text/event-stream"
                else:
                    payload, kind = json.dumps(reply.json_body).encode(), "application/json"
                self.send_response(reply.status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        return Handler
