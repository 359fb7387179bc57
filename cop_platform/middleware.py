"""A strict Content-Security-Policy on every response.

Templates carry no inline script or style, and htmx is served from our own static files, so
the policy can forbid everything but 'self'. A page that breaks under it is a bug to fix in
the template, not a reason to loosen the policy.
"""

from urllib.parse import urlsplit

from django.conf import settings

from cop_platform.file_delivery import stored_file_origins

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def identity_provider_origins() -> str:
    """The origins of the configured identity providers (OIDC_PROVIDERS, SAML_PROVIDERS), for
    form-action: a sign-in button is a form whose POST is redirected to the provider's
    authorisation page, and browsers hold that redirect to the form's form-action too."""
    providers = settings.SOCIALACCOUNT_PROVIDERS
    urls = [
        app.get("settings", {}).get("server_url", "") for app in providers.get("openid_connect", {}).get("APPS", [])
    ]
    for app in providers.get("saml", {}).get("APPS", []):  # SAML: the IdP's sign-in page
        idp = app.get("settings", {}).get("idp", {})
        urls.append(idp.get("sso_url") or idp.get("metadata_url") or "")
    origins = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return " ".join(dict.fromkeys(origins))


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = CONTENT_SECURITY_POLICY
        if origins := identity_provider_origins():
            policy = policy.replace("form-action 'self'", f"form-action 'self' {origins}")
        if files := stored_file_origins():  # avatars and images in posts on object storage
            policy = policy.replace("img-src 'self' data:", f"img-src 'self' data: {files}")
        # The Django admin ships inline scripts; it lives under its own paths and keeps its
        # own (framework-reviewed) markup, so it gets a policy that allows them.
        if request.path.startswith(("/admin/", "/manage/")):
            response.headers.setdefault(
                "Content-Security-Policy",
                policy.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
                    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
                ),
            )
        else:
            response.headers.setdefault("Content-Security-Policy", policy)
        return response
