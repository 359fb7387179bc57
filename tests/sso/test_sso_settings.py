"""OIDC_PROVIDERS, SSO_* and MFA_REQUIRED_FOR are read from the environment and refused at
start-up, with the fix in the message, when obviously wrong (cop_platform/sso_settings.py)."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from cop_platform import sso_settings
from tests.test_deploy_settings import PRODUCTION_ENV, manage

ENTRA = {
    "id": "entra",
    "name": "Contoso staff",
    "server_url": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
    "client_id": "11111111-1111-1111-1111-111111111111",
    "secret_env": "OIDC_ENTRA_SECRET",
    "email_verified_claim": "xms_edov",
}
KEYCLOAK = {
    "id": "keycloak",
    "name": "Partner network",
    "server_url": "https://id.example.org/realms/partners",
    "client_id": "cop-platform",
    "secret": "s3cret",
}


def test_providers_become_allauth_apps_with_their_secret_from_its_own_variable():
    apps = sso_settings.oidc_apps({"OIDC_PROVIDERS": json.dumps([ENTRA, KEYCLOAK]), "OIDC_ENTRA_SECRET": "from-vault"})
    assert [(app["provider_id"], app["name"], app["secret"]) for app in apps] == [
        ("entra", "Contoso staff", "from-vault"),
        ("keycloak", "Partner network", "s3cret"),
    ]
    assert apps[0]["settings"] == {
        "server_url": ENTRA["server_url"],
        "email_verified_claim": "xms_edov",
        "oauth_pkce_enabled": True,
    }
    assert sso_settings.oidc_apps({}) == []


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps([{**KEYCLOAK, "client_id": ""}]), "lacks client_id"),
        (json.dumps([{**KEYCLOAK, "serverurl": "x"}]), "unknown keys serverurl"),
        (json.dumps([KEYCLOAK, KEYCLOAK]), "must be unique"),
        (json.dumps([{**KEYCLOAK, "id": "Key Cloak"}]), "must be unique, lower case"),
        (json.dumps([{**KEYCLOAK, "server_url": "id.example.org"}]), "https://"),
        (json.dumps([ENTRA]), r"OIDC_ENTRA_SECRET \(secret_env\) is empty"),
    ],
)
def test_a_wrong_provider_entry_is_refused_with_what_to_fix(value, says):
    with pytest.raises(ImproperlyConfigured, match=says):
        sso_settings.oidc_apps({"OIDC_PROVIDERS": value})


def test_domains_auto_join_and_mfa_roles_are_read_and_checked():
    assert sso_settings.email_domains(" Example.org, @partner.example ,") == ["example.org", "partner.example"]
    assert sso_settings.auto_join('{"@Example.org": ["water"]}') == {"example.org": ["water"]}
    assert sso_settings.mfa_roles("staff, Coordinators") == {"staff", "coordinators"}
    with pytest.raises(ImproperlyConfigured, match="community slugs"):
        sso_settings.auto_join('{"example.org": "water"}')
    with pytest.raises(ImproperlyConfigured, match="not admins"):
        sso_settings.mfa_roles("staff,admins")


@pytest.mark.django_db
def test_the_csp_lets_sign_in_buttons_reach_the_configured_providers_only(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": sso_settings.oidc_apps({"OIDC_PROVIDERS": json.dumps([KEYCLOAK])})}
    }
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "form-action 'self' https://id.example.org;" in policy
    assert "script-src 'self';" in policy


def test_production_check_deploy_stays_clean_with_sso_and_mfa_configured():
    sso = {
        "OIDC_PROVIDERS": json.dumps([KEYCLOAK]),
        "SSO_ONLY": "true",
        "SSO_ALLOWED_EMAIL_DOMAINS": "example.org",
        "SSO_AUTO_JOIN": '{"example.org": ["water-security"]}',
        "MFA_REQUIRED_FOR": "staff,coordinators",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV, **sso)
    assert result.returncode == 0, result.stdout + result.stderr
