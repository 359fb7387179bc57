"""Start the loopback OpenID Connect identity provider (tests/sso/provider/) for a test session.

A real provider in its own process, on its own port: django-oauth-toolkit with OIDC, ID tokens
signed RS256 with a key made for the run, its own SQLite database in a temporary folder. The
platform under test talks to it over HTTP exactly as it would to Entra ID or Keycloak
(discovery, authorisation redirect, code exchange with PKCE, JWKS, userinfo).
"""

import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.loopback import free_port

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_ID = "loopback"
SECRET = "loopback-client-secret"
PASSWORD = "provider password 42"

# The provider's accounts and the claims it vouches for.
USERS = {
    "vera": {"claims": {"email": "vera@example.org", "email_verified": True, "name": "Vera Okafor"}},
    "lina": {"claims": {"email": "lina@example.org", "email_verified": True, "name": "Lina Haddad"}},
    "ulla": {"claims": {"email": "ulla@example.org", "email_verified": False, "name": "Ulla Berg"}},
    "omar": {"claims": {"email": "omar@elsewhere.example", "email_verified": True, "name": "Omar Said"}},
    "kira": {"claims": {"email": "kira@example.org", "email_verified": True, "name": "Kira Tanaka"}},
}
# Client ids: a good one, one whose ID tokens name another audience, one whose are expired.
CLIENTS = {"cop-platform": None, "cop-wrong-audience": "audience", "cop-expired": "expired"}


@dataclass
class LoopbackProvider:
    url: str
    process: subprocess.Popen
    log: Path

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def socialaccount_providers(self, *, client_id: str = "cop-platform", name: str = "Loopback ID") -> dict:
        """SOCIALACCOUNT_PROVIDERS for the platform, as OIDC_PROVIDERS would make it."""
        return {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": PROVIDER_ID,
                        "name": name,
                        "client_id": client_id,
                        "secret": SECRET,
                        "settings": {"server_url": self.issuer, "oauth_pkce_enabled": True},
                    }
                ],
            }
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_provider(folder: Path, *, redirect_uris: list[str]) -> LoopbackProvider:
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    users = {name: {"password": PASSWORD, **user} for name, user in USERS.items()}
    clients = {
        client_id: {"secret": SECRET, "redirect_uris": redirect_uris, "fault": fault}
        for client_id, fault in CLIENTS.items()
    }
    (folder / "users.json").write_text(json.dumps(users))
    (folder / "clients.json").write_text(json.dumps(clients))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.sso.provider.settings",
        "IDP_DIR": str(folder),
        "IDP_RSA_KEY": pem,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "tests.sso.provider.setup"], cwd=ROOT, env=env, check=True, timeout=60)
    port = free_port()
    log = folder / "provider.log"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    provider = LoopbackProvider(url=f"http://127.0.0.1:{port}", process=process, log=log)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(  # noqa: S310 - our own loopback http URL
                f"{provider.issuer}/.well-known/openid-configuration", timeout=2
            ) as answer:
                if answer.status == 200:
                    return provider
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            provider.stop()
            raise RuntimeError(f"the loopback identity provider did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
