"""Shared fakes for tests: servers that stand in for what cannot run here."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def hanging_openai_server(hold_seconds: float = 120.0) -> Iterator[tuple[str, threading.Event]]:
    """An OpenAI-compatible endpoint on loopback that takes requests and never answers them.

    Yields the base URL and an event set once a request has arrived (a model call is under way).
    """
    called, release = threading.Event(), threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            called.set()
            release.wait(hold_seconds)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", called
    finally:
        release.set()
        server.shutdown()
