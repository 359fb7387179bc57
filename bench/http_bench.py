"""What the HTTP benchmarks share (no Django here: it drives servers from outside).

- `production_env()`: the environment deploy/env.example gives gunicorn (DJANGO_ENV=production,
  a random SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, SITE_URL, the cache and broker on Redis
  database 6), written to an env file in a temporary folder for reference, with STATIC_ROOT
  there too (`collect_static()` fills it, as deploy does before starting gunicorn).
- `Gunicorn`: starts `gunicorn --workers N` (sync) on a loopback port, waits for it, reports
  its workers' memory (VmRSS from /proc) and stops it.
- `sign_in()`: POSTs a login form the way a browser does (CSRF cookie and token) and returns
  the cookies to send; `run_load()`: N client threads for S seconds over persistent
  connections, with per-request latencies (the fallback when `wrk` is not installed, and the
  engine of load_test.py); `wrk()`: the same through Debian's wrk.

Requests carry `X-Forwarded-Proto: https` (and `X-Forwarded-For` when given) as nginx adds
them in production, so SECURE_SSL_REDIRECT and secure cookies behave as behind the proxy.
"""

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "6"))  # another database on a shared machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(*, database_url: str, port: int, workdir: Path, **extra) -> dict:
    """The process environment of a production gunicorn for CoP Platform on 127.0.0.1:port."""
    values = {
        "DJANGO_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
        "SITE_URL": f"https://127.0.0.1:{port}",
        "DATABASE_URL": database_url,
        "CACHE_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        # Tasks a post queues wait in Redis (no worker runs during a benchmark) on their own queue.
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "CELERY_TASK_DEFAULT_QUEUE": "cop-bench",
        "EMAIL_URL": "dummymail://",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        # Behind nginx: the client address is the last X-Forwarded-For entry.
        "TRUSTED_PROXY_COUNT": "1",
        **{k: str(v) for k, v in extra.items()},
    }
    (workdir / "env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(values)
    return env


def collect_static(python: str, env: dict, cwd: Path) -> None:
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=cwd, env=env, check=True)


def flush_redis() -> None:
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "flushdb"], check=False, capture_output=True)


@dataclass
class Gunicorn:
    gunicorn: str
    app: str
    cwd: Path
    env: dict
    port: int
    workers: int = 2
    log: Path | None = None
    process: subprocess.Popen | None = field(default=None, init=False)

    def start(self) -> "Gunicorn":
        log = open(self.log or os.devnull, "w")
        self.process = subprocess.Popen(
            [self.gunicorn, self.app, "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--worker-class", "sync", "--timeout", "60", "--error-logfile", "-"],
            cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app} exited with {self.process.returncode} (log: {self.log})")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    if len(self.worker_pids()) == self.workers:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.app} did not start (log: {self.log})")

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except FileNotFoundError:
            return []

    def worker_rss_mib(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class _FormFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken":
            self.fields["csrfmiddlewaretoken"] = attrs.get("value", "")


def _cookies(response, jar: dict) -> dict:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def cookie_header(jar: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def request(port, method, path, *, headers=None, body=None, jar=None):
    """One request; returns (status, headers dict, body bytes) and updates `jar`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    all_headers = {**PROXY_HEADERS, **(headers or {})}
    if jar:
        all_headers["Cookie"] = cookie_header(jar)
    connection.request(method, path, body=body, headers=all_headers)
    response = connection.getresponse()
    data = response.read()
    if jar is not None:
        _cookies(response, jar)
    connection.close()
    return response.status, dict(response.getheaders()), data


def sign_in(port: int, login_path: str, fields: dict, *, forwarded_for: str | None = None) -> dict:
    """Sign in through the login form; returns the cookie jar (with the session cookie)."""
    jar = {}
    extra = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    status, _, page = request(port, "GET", login_path, headers=extra, jar=jar)
    assert status == 200, f"GET {login_path}: {status}"
    parser = _FormFields()
    parser.feed(page.decode("utf-8", "replace"))
    origin = f"https://127.0.0.1:{port}"
    status, headers, page = request(
        port, "POST", login_path,
        headers={**extra, "Content-Type": "application/x-www-form-urlencoded", "Origin": origin,
                 "Referer": origin + login_path},
        body=urlencode({**fields, **parser.fields}), jar=jar,
    )  # fmt: skip
    if status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"sign-in at {login_path} failed: {status} {page[:300]!r}")
    return jar


@dataclass
class LoadResult:
    """Latencies (ms) of the successful requests by label, failures by label, statuses seen."""

    by_label: dict
    errors_by_label: dict
    seconds: float
    statuses: dict

    @property
    def latencies_ms(self) -> list[float]:
        return [value for values in self.by_label.values() for value in values]

    @property
    def errors(self) -> int:
        return sum(self.errors_by_label.values())

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 0.50)


def percentile(values, share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run_load(port: int, next_request, *, clients: int, seconds: float) -> LoadResult:
    """`clients` threads, each with its own persistent connection, calling
    next_request(client_index) -> (label, method, path, headers, body, ok_statuses) until time is up."""
    by_label, errors_by_label, statuses = {}, {}, {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(index):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, my_errors, my_statuses = {}, {}, {}
        while time.monotonic() < stop_at:
            label, method, path, headers, body, ok = next_request(index)
            start = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers={**PROXY_HEADERS, **headers})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            elapsed = (time.perf_counter() - start) * 1000
            my_statuses[status] = my_statuses.get(status, 0) + 1
            if status in ok:
                mine.setdefault(label, []).append(elapsed)
            else:
                my_errors[label] = my_errors.get(label, 0) + 1
        connection.close()
        with lock:
            for label, values in mine.items():
                by_label.setdefault(label, []).extend(values)
            for label, count in my_errors.items():
                errors_by_label[label] = errors_by_label.get(label, 0) + count
            for status, count in my_statuses.items():
                statuses[status] = statuses.get(status, 0) + count

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(by_label, errors_by_label, time.monotonic() - started, statuses)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk(port: int, path: str, *, connections: int, seconds: int, headers: dict) -> tuple[float, float, int]:
    """(p50 ms, requests/s, non-2xx responses) from wrk with `connections` connections."""
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for name, value in {**PROXY_HEADERS, **headers}.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\b", output, re.M)
    value, unit = float(match.group(1)), match.group(2)
    p50 = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return p50, rate, int(bad.group(1)) if bad else 0


def temp_workdir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
