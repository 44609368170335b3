"""A real Standard Webhooks receiver on loopback, for the webhook connector's tests.

It verifies every delivery with the ``standardwebhooks`` library (the same one the connector
signs with), stores each ``webhook-id`` once (the spec's duplicate rule) and can be told to
answer the next requests with scripted statuses, headers or delays.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Scripted:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Receiver:
    secret: str
    url: str = ""
    objects: dict[str, dict[str, object]] = field(default_factory=dict)
    """webhook-id -> the first delivered event."""
    deliveries: int = 0
    """Verified deliveries, duplicates included."""
    rejected: list[str] = field(default_factory=list)
    script: list[Scripted] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    verifier = Webhook(receiver.secret)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with receiver.lock:
                scripted = receiver.script.pop(0) if receiver.script else None
            if scripted is not None:
                time.sleep(scripted.delay)
                self._answer(scripted.status, {"message": "scripted"}, scripted.headers)
                return
            try:
                event = verifier.verify(body, dict(self.headers.items()))
            except WebhookVerificationError as error:
                receiver.rejected.append(str(error))
                self._answer(401, {"message": f"bad signature: {error}"})
                return
            msg_id = self.headers["webhook-id"]
            with receiver.lock:
                receiver.deliveries += 1
                receiver.objects.setdefault(msg_id, event)
            self._answer(200, {"id": f"obj-{msg_id[-8:]}"})

        def _answer(
            self, status: int, body: dict[str, str], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def running_receiver(secret: str, receiver: Receiver | None = None) -> Iterator[Receiver]:
    """Serve ``receiver`` (a new one by default; an old one: same port, same objects)."""
    receiver = receiver or Receiver(secret)
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0]) if receiver.url else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
