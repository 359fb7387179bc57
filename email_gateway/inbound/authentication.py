"""Whether the From of a message is vouched for by OUR mail server.

Mail to a community address has no token: the From is all that names the member, and anyone can
write any From. Our MTA checks SPF, DKIM and DMARC on the way in and records the results in an
`Authentication-Results` header (RFC 8601) under its own authserv-id, the setting
INBOUND_EMAIL_TRUSTED_AUTHSERV_ID. We believe only that header, and only when it says
dmarc=pass for the From's domain, or dkim=pass with a signing domain (header.d) aligned with it.
The MTA must remove any header with that authserv-id that arrives from outside (OpenDKIM /
OpenDMARC / rspamd / Postfix's own milters do this), or a sender could write their own.
Without the setting nothing is trusted: every community message waits for confirmation.
"""

from email.message import EmailMessage

from django.conf import settings

from .parsing import all_headers


def _results(value: str) -> tuple[str, list[dict[str, str]]]:
    """(authserv-id, [{"method": ..., "result": ..., "header.d": ...}, ...]) of one header."""
    parts = [part.strip() for part in value.replace("\r", " ").replace("\n", " ").split(";")]
    authserv_id = parts[0].split()[0].lower() if parts and parts[0] else ""
    results = []
    for resinfo in parts[1:]:
        tokens = resinfo.split()
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].partition("=")
        found = {"method": method.lower(), "result": result.lower()}
        for token in tokens[1:]:
            key, equals, val = token.partition("=")
            if equals:
                found[key.lower()] = val.strip("\"'").lower()
        results.append(found)
    return authserv_id, results


def _aligned(signing_domain: str, from_domain: str) -> bool:
    """Relaxed alignment (RFC 7489 3.1.1), approximated without the public-suffix list: the
    same domain, or one a subdomain of the other's organisational part."""
    if not signing_domain or not from_domain:
        return False
    return from_domain == signing_domain or from_domain.endswith("." + signing_domain)


def sender_authenticated(message: EmailMessage, sender: str) -> bool:
    trusted = (getattr(settings, "INBOUND_EMAIL_TRUSTED_AUTHSERV_ID", "") or "").strip().lower()
    if not trusted or "@" not in sender:
        return False
    from_domain = sender.rpartition("@")[2].lower()
    for value in all_headers(message, "Authentication-Results"):
        authserv_id, results = _results(value)
        if authserv_id != trusted:
            continue
        for result in results:
            if result["result"] != "pass":
                continue
            if result["method"] == "dmarc" and result.get("header.from", from_domain) == from_domain:
                return True
            if result["method"] == "dkim" and _aligned(result.get("header.d", ""), from_domain):
                return True
    return False


def sender_failed(message: EmailMessage, sender: str) -> bool:
    """Whether our MTA says the From's domain failed DMARC: the From is forged (or its domain
    misconfigured), so an answer would go to someone who never wrote to us."""
    trusted = (getattr(settings, "INBOUND_EMAIL_TRUSTED_AUTHSERV_ID", "") or "").strip().lower()
    if not trusted:
        return False
    for value in all_headers(message, "Authentication-Results"):
        authserv_id, results = _results(value)
        if authserv_id == trusted and any(r["method"] == "dmarc" and r["result"] == "fail" for r in results):
            return True
    return False
