"""A webhook receiver on loopback: a real HTTP server in a thread that checks each delivery's
signature the way the README tells integrators to, and records what it got."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.loopback import free_port
from webhooks.signing import verify


class Receiver:
    def __init__(self):
        self.port = free_port()
        self.secret = ""
        # The status to answer with: an int, or a list of ints to answer with in turn.
        self.status: int | list[int] = 200
        self.received: list[dict] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.received.append(
                        {
                            "event": self.headers.get("X-CoP-Event"),
                            "delivery": self.headers.get("X-CoP-Delivery"),
                            "content_type": self.headers.get("Content-Type"),
                            "verified": verify(receiver.secret, body, self.headers.get("X-CoP-Signature", "")),
                            "payload": json.loads(body),
                        }
                    )
                    status = receiver.status.pop(0) if isinstance(receiver.status, list) else receiver.status
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver says no")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        return [entry["payload"]["type"] for entry in self.received]
