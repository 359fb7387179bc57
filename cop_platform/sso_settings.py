"""Single sign-on and two-factor settings read from the environment (README "Single sign-on").

Imported by settings.py, so it must not import Django's settings. Each OpenID Connect identity
provider is one entry of the JSON list in `OIDC_PROVIDERS`:

    [{"id": "entra", "name": "Contoso staff", "server_url": "https://login.microsoftonline.com/<tenant>/v2.0",
      "client_id": "...", "secret_env": "OIDC_ENTRA_SECRET", "email_verified_claim": "xms_edov"}]

`id` becomes the URL (/accounts/oidc/<id>/login/) and is stored with every linked account: never
change it once members signed in. The secret is given inline (`secret`) or, better, in another
variable named by `secret_env`, so the JSON can sit in a config file and the secret in a vault.
`email_verified_claim` names the claim that says the provider verified the address
(`email_verified` by default; Entra ID sends none, its optional `xms_edov` claim says the
address is on a domain the tenant owns). A value that is obviously wrong stops the start-up
with a message naming it, instead of a sign-in button that fails later.
"""

import json
import re
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
REQUIRED = ("id", "name", "server_url", "client_id")
# Keys of an entry that are passed to allauth's openid_connect app settings as they are.
PASSED_ON = ("server_url", "token_auth_method", "fetch_userinfo", "uid_field", "email_verified_claim")
KNOWN = {*REQUIRED, *PASSED_ON, "secret", "secret_env", "pkce"}
MFA_ROLES = {"staff", "coordinators"}
SAML_KNOWN = {"id", "name", "idp", "attribute_mapping", "verified_email", "advanced", "sp", "use_nameid_for_email"}
# Signed assertions with current algorithms, unless an entry's "advanced" says otherwise.
SAML_SECURE_DEFAULTS = {"want_assertion_signed": True, "reject_deprecated_algorithm": True}


def _provider_entries(environ: Mapping[str, str], name: str) -> list[dict]:
    """The JSON list of objects in variable `name` ([] when unset; one object alone is a list)."""
    raw = environ.get(name, "").strip()
    if not raw:
        return []
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{name} is not valid JSON ({error}); see README 'Single sign-on'.")
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ImproperlyConfigured(f"{name} must be a JSON list of objects, one per identity provider.")
    return entries


def oidc_apps(environ: Mapping[str, str]) -> list[dict]:
    """allauth's `APPS` entries for the openid_connect provider, from OIDC_PROVIDERS."""
    entries = _provider_entries(environ, "OIDC_PROVIDERS")
    apps, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        where = f"OIDC_PROVIDERS entry {number}"
        missing = [key for key in REQUIRED if not str(entry.get(key, "")).strip()]
        if missing:
            raise ImproperlyConfigured(f"{where} lacks {', '.join(missing)}.")
        unknown = sorted(set(entry) - KNOWN)
        if unknown:
            raise ImproperlyConfigured(
                f"{where} has unknown keys {', '.join(unknown)} (known: {', '.join(sorted(KNOWN))})."
            )
        provider_id = entry["id"]
        if not PROVIDER_ID.match(provider_id) or provider_id in seen:
            raise ImproperlyConfigured(
                f"{where}: id {provider_id!r} must be unique, lower case letters, digits, '-' or '_' (it is in URLs)."
            )
        seen.add(provider_id)
        if not str(entry["server_url"]).startswith(("https://", "http://")):
            raise ImproperlyConfigured(f"{where}: server_url must be the issuer's https:// address.")
        secret = entry.get("secret", "")
        if entry.get("secret_env"):
            secret = environ.get(entry["secret_env"], "")
            if not secret:
                raise ImproperlyConfigured(f"{where}: the variable {entry['secret_env']} (secret_env) is empty.")
        settings = {key: entry[key] for key in PASSED_ON if key in entry}
        settings["oauth_pkce_enabled"] = bool(entry.get("pkce", True))
        apps.append(
            {
                "provider_id": provider_id,
                "name": entry["name"],
                "client_id": entry["client_id"],
                "secret": secret,
                "settings": settings,
            }
        )
    return apps


def saml_apps(environ: Mapping[str, str]) -> list[dict]:
    """allauth's `APPS` entries for its SAML provider, from SAML_PROVIDERS (a JSON list):

        [{"id": "contoso", "name": "Contoso staff (SAML)",
          "idp": {"entity_id": "https://sts.windows.net/<tenant>/",
                  "metadata_url": "https://login.microsoftonline.com/<tenant>/federationmetadata/2007-06/federationmetadata.xml?appid=<app>"},
          "verified_email": ["contoso.com"]}]

    `id` is in the URLs (/accounts/saml/<id>/acs/, .../metadata/). `idp` gives the metadata URL,
    or entity_id, sso_url and x509cert. SAML has no standard "verified" flag: a provider that
    sends none is trusted for the domains listed in `verified_email` (or true: all), and for
    no address otherwise. Needs requirements-saml.txt installed."""
    entries = _provider_entries(environ, "SAML_PROVIDERS")
    apps, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        where = f"SAML_PROVIDERS entry {number}"
        unknown = sorted(set(entry) - SAML_KNOWN)
        if unknown:
            raise ImproperlyConfigured(f"{where} has unknown keys {', '.join(unknown)}.")
        slug, idp = str(entry.get("id", "")), entry.get("idp")
        if not PROVIDER_ID.match(slug) or slug in seen:
            raise ImproperlyConfigured(f"{where}: id {slug!r} must be unique, lower case letters, digits, '-' or '_'.")
        seen.add(slug)
        if not isinstance(idp, dict) or not idp.get("entity_id"):
            raise ImproperlyConfigured(f"{where}: idp.entity_id is required.")
        if not idp.get("metadata_url") and not (idp.get("sso_url") and idp.get("x509cert")):
            raise ImproperlyConfigured(f"{where}: idp needs metadata_url, or sso_url and x509cert.")
        settings = {
            key: entry[key] for key in ("idp", "attribute_mapping", "sp", "use_nameid_for_email") if key in entry
        }
        settings["advanced"] = {**SAML_SECURE_DEFAULTS, **entry.get("advanced", {})}
        settings["verified_email"] = entry.get("verified_email", False)
        apps.append(
            {
                "provider_id": idp["entity_id"],
                "name": entry.get("name") or slug,
                "client_id": slug,
                "settings": settings,
            }
        )
    return apps


def email_domains(value: str) -> list[str]:
    """ "example.org, @Example.com" -> ["example.org", "example.com"]."""
    return [part.strip().lstrip("@").lower() for part in value.split(",") if part.strip()]


def auto_join(value: str) -> dict[str, list[str]]:
    """SSO_AUTO_JOIN, JSON {"example.org": ["water-security", "finance"]} -> the same, checked."""
    if not value.strip():
        return {}
    try:
        mapping = json.loads(value)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"SSO_AUTO_JOIN is not valid JSON ({error}).")
    if not isinstance(mapping, dict) or not all(
        isinstance(slugs, list) and all(isinstance(slug, str) for slug in slugs) for slugs in mapping.values()
    ):
        raise ImproperlyConfigured(
            'SSO_AUTO_JOIN must map email domains to lists of community slugs: {"example.org": ["slug"]}.'
        )
    return {domain.strip().lstrip("@").lower(): slugs for domain, slugs in mapping.items()}


def mfa_roles(value: str) -> set[str]:
    """MFA_REQUIRED_FOR, "staff,coordinators" -> {"staff", "coordinators"}."""
    roles = {part.strip().lower() for part in value.split(",") if part.strip()}
    if roles - MFA_ROLES:
        raise ImproperlyConfigured(
            f"MFA_REQUIRED_FOR knows {', '.join(sorted(MFA_ROLES))}; not {', '.join(sorted(roles - MFA_ROLES))}."
        )
    return roles
