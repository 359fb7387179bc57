"""A Redis server of our own for the fault tests, which stop, restart and freeze it.

Never the shared Redis on 6379: this one listens on loopback port REDIS_FAULT_PORT (6391 unless
the environment says otherwise) plus the xdist worker's number, keeps nothing on disk (`--save ""`,
no append-only file, so a restart loses the queue as a Redis without persistence would), and
belongs to the test that started it.
"""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis

from .ports import port_for_this_worker

PORT = port_for_this_worker(int(os.environ.get("REDIS_FAULT_PORT", "6391")))


class RedisServer:
    def __init__(self, *, port: int = PORT, log_path: Path):
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, timeout: float = 10) -> "RedisServer":
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self.log_path.parent),
        ]  # fmt: skip
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answers():
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}:\n{self.log_path.read_text()[-2000:]}")

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """SIGKILL: the queue and the cache are gone, as after a crash of a Redis without
        persistence."""
        if self.process and self.process.poll() is None:
            self.thaw()
            self.process.kill()
            self.process.wait(10)
        if self.process:
            self.log.close()

    def restart(self) -> "RedisServer":
        self.stop()
        return self.start()

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections (the kernel does), but nothing answers,
        as with a hung server or a network that drops packets."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


def needs_redis_server() -> None:
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed, and CI must run the fault tests")
        pytest.skip("redis-server is not installed")


@pytest.fixture
def redis_server(tmp_path):
    """A running Redis of this test's own on REDIS_FAULT_PORT, stopped at the end."""
    needs_redis_server()
    server = RedisServer(log_path=tmp_path / "redis.log").start()
    yield server
    server.stop()
