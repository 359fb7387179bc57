"""gunicorn serving the project to the fault tests over real HTTP, and a small browser-like
client (cookies, CSRF) that times each request and never follows redirects, so a 302 after a
post is told apart from a 500."""

import http.cookiejar
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.engagement.worker import PROJECT, database_url
from tests.loopback import free_port


class WebServer:
    def __init__(self, *, log_path: Path, workers: int = 2, **env):
        self.port = free_port()
        self.log_path = log_path
        self.command = [
            sys.executable, "-m", "gunicorn", "cop_platform.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--timeout", "30",
        ]  # fmt: skip
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
            "DATABASE_URL": database_url(),
            "PYTHONUNBUFFERED": "1",
            **{key: str(value) for key, value in env.items()},
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "WebServer":
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            self.command, cwd=PROJECT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2)  # noqa: S310
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One member's browser: `get`/`post` return (status, seconds, body)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def _csrf(self) -> str:
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")

    def request(self, path: str, data: dict | None = None) -> tuple[int, float, str]:
        body = None
        headers = {"Referer": self.base_url + path}
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self._csrf()}).encode()
        started = time.monotonic()
        try:
            request = urllib.request.Request(self.base_url + path, body, headers)  # noqa: S310 - http://127.0.0.1
            with self.opener.open(request, timeout=30) as answer:
                status, text = answer.status, answer.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        return status, time.monotonic() - started, text

    def get(self, path: str):
        return self.request(path)

    def post(self, path: str, data: dict):
        return self.request(path, data)

    def sign_in(self, email: str, password: str) -> tuple[int, float]:
        """The sign-in form as a member fills it: GET for the CSRF cookie, then POST. 302 is
        success. Returns the status and the time of the POST."""
        self.get("/accounts/login/")
        status, seconds, _ = self.post("/accounts/login/", {"login": email, "password": password})
        return status, seconds
