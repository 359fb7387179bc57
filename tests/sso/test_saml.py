"""SAML 2.0 (optional: requirements-saml.txt). Skipped when python3-saml is not installed.

SAML_PROVIDERS adds allauth's SAML provider at start-up, so these run the platform in a fresh
process with it set: the service provider metadata an identity provider imports, and the
sign-in button. (Not tested here: a whole sign-in against a real SAML identity provider.)"""

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured

from cop_platform import sso_settings

pytest.importorskip("onelogin.saml2", reason="SAML is optional: pip install -r requirements-saml.txt")

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
client = Client(HTTP_HOST="cop.example.org")
metadata = client.get("/accounts/saml/contoso/metadata/")
login = client.get("/accounts/login/")
print(json.dumps({"status": metadata.status_code, "metadata": metadata.content.decode(),
                  "login": login.content.decode(), "csp": login["Content-Security-Policy"]}))
"""


def idp_certificate() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    return "".join(pem.strip().splitlines()[1:-1])


def test_a_saml_provider_publishes_its_metadata_and_gets_a_sign_in_button(tmp_path):
    providers = [
        {
            "id": "contoso",
            "name": "Contoso (SAML)",
            "idp": {
                "entity_id": "https://idp.example.org/saml",
                "sso_url": "https://idp.example.org/saml/sso",
                "x509cert": idp_certificate(),
            },
            "verified_email": ["example.org"],
        }
    ]
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'saml.sqlite3'}",
        "SAML_PROVIDERS": json.dumps(providers),
        "SITE_URL": "http://cop.example.org",
        "ALLOWED_HOSTS": "cop.example.org",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "shell", "-c", "import json\n" + SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    assert "md:EntityDescriptor" in answer["metadata"] or "EntityDescriptor" in answer["metadata"]
    assert "http://cop.example.org/accounts/saml/contoso/acs/" in answer["metadata"]
    assert 'WantAssertionsSigned="true"' in answer["metadata"]
    assert "Sign in with Contoso (SAML)" in answer["login"]
    assert "form-action 'self' https://idp.example.org" in answer["csp"]


def test_a_wrong_saml_entry_is_refused_with_what_to_fix():
    with pytest.raises(ImproperlyConfigured, match="metadata_url, or sso_url and x509cert"):
        sso_settings.saml_apps({"SAML_PROVIDERS": json.dumps([{"id": "x", "idp": {"entity_id": "e"}}])})
    apps = sso_settings.saml_apps(
        {"SAML_PROVIDERS": json.dumps([{"id": "x", "idp": {"entity_id": "e", "metadata_url": "https://i/m"}}])}
    )
    assert apps[0]["client_id"] == "x" and apps[0]["settings"]["advanced"]["want_assertion_signed"] is True
    assert apps[0]["settings"]["verified_email"] is False
