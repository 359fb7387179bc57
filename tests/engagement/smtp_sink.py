"""A tiny SMTP server on loopback that keeps what it receives, for the integration tests and
bench/digest_run.py (aiosmtpd is not a dependency; the standard library is enough).

It speaks what Django's SMTP backend needs: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
A message counts as received once its DATA is complete, just before the "250" that tells
the client it was accepted. `delay` slows every MAIL command down, so a test can catch a
worker in the middle of a run; `holding` tells whether a client is waiting in that delay.
"""

import email
import email.policy
import socketserver
import threading
import time


class SmtpHandler(socketserver.StreamRequestHandler):
    """One SMTP conversation with the sink (`self.server.sink`); a subclass may hold another
    conversation by overriding `converse` and keep `reply` and `read_data`."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        try:
            self.converse(self.server.sink)
        except OSError:
            pass  # the client went away (a killed worker): nothing to keep

    def converse(self, sink: "SmtpSink") -> None:
        self.reply("220 sink ESMTP ready")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode("latin-1").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "MAIL":
                sink.hold()
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                sink.keep(self.read_data(), recipients)
                self.reply("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def read_data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)  # undo dot-stuffing
        return b"".join(lines)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class LoopbackSmtpServer:
    """A threaded server on 127.0.0.1 (`port`, or a free one when 0) that serves `handler`
    inside a `with` block; the handler reaches this object as `self.server.sink`."""

    handler: type[SmtpHandler] = SmtpHandler

    def __init__(self, *, port: int = 0):
        self._server = _Server(("127.0.0.1", port), self.handler)
        self._server.sink = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


class SmtpSink(LoopbackSmtpServer):
    def __init__(self, *, delay: float = 0.0, port: int = 0):
        self.delay = delay
        self.raw: list[bytes] = []  # parsed only when asked: a benchmark receives thousands
        self._lock = threading.Lock()
        self._holding = 0
        super().__init__(port=port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def holding(self) -> bool:
        return self._holding > 0

    def hold(self) -> None:
        if self.delay:
            with self._lock:
                self._holding += 1
            time.sleep(self.delay)
            with self._lock:
                self._holding -= 1

    def keep(self, data: bytes, recipients: list[str]) -> None:
        with self._lock:
            self.raw.append(data)

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        with self._lock:
            raw = list(self.raw)
        return [email.message_from_bytes(data, policy=email.policy.default) for data in raw]

    def count(self) -> int:
        with self._lock:
            return len(self.raw)

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count() >= count:
                return True
            time.sleep(0.05)
        return self.count() >= count
