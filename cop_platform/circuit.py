"""A per-process circuit breaker for a server that may be down (the broker, the cache).

Once a call to the server failed, the next calls in the following `seconds` skip it at once
instead of each waiting for their own timeout: a request that queues three tasks or touches
the cache ten times pays for a dead Redis once, not ten times. After the pause one call tries
the server again; success closes the circuit.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)


class Circuit:
    def __init__(self, name: str, *, seconds: float):
        self.name = name
        self.seconds = seconds
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        """True while calls should skip the server (it failed less than `seconds` ago)."""
        return time.monotonic() < self._open_until

    def trip(self, error: BaseException) -> None:
        """The server failed: skip it for `seconds`. Logged once per opening, not per call."""
        with self._lock:
            was_closed = not self.is_open
            self._open_until = time.monotonic() + self.seconds
        if was_closed:
            logger.warning("%s unavailable (%s); not trying it again for %ss", self.name, error, self.seconds)

    def reset(self) -> None:
        self._open_until = 0.0


_circuits: dict[str, Circuit] = {}


def circuit_for(url: str, *, seconds: float) -> Circuit:
    """The circuit of the server at `url` (by host and port): the cache and the broker on the
    same Redis share one, so a request that found Redis dead through the cache does not try
    it again to publish its tasks."""
    parts = urlsplit(url)
    server = f"{parts.hostname or '127.0.0.1'}:{parts.port or 6379}" if parts.hostname else url
    circuit = _circuits.setdefault(server, Circuit(f"Redis at {server}", seconds=seconds))
    circuit.seconds = seconds
    return circuit


def reset_all() -> None:
    """Close every circuit (tests that point the app at another server start afresh)."""
    for circuit in _circuits.values():
        circuit.reset()
