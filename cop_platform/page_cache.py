"""Whole pages kept for anonymous visitors of public communities: the most read pages, drawn
once and handed to every visitor who is not signed in, until something they show changes.

What is cached: a 200 answer to an anonymous GET of a page wrapped with `cached_for_anonymous`
(the thread list and the thread pages, in discussions/urls.py), when the page's community is
public (checked on every store through the visibility policy, by the `is_public` the URL
module passes). Never a signed-in member's page, never an htmx partial, never a page that
carries the visitor's pending messages or sets a cookie of its own.

The key: the community's slug, the language, the theme cookie, scheme, host, path and query
string. Each stored page also records the *generations* it was drawn at: the community's and
the site's, random tokens kept in the cache without expiry, read (with the page, in one round
trip) before the view runs. A page is served only while both are unchanged. The services that
change what such a page shows call `invalidate(...)` (or `invalidate_site()` for what shows on
every community's pages, a member's name or photo), which gives them a new token once the
transaction commits: every page stored before is then dead, and a rolled-back write
invalidates nothing. A page drawn while a write commits carries the generation read before it
was drawn, so it is never served after the bump. Pages also expire after PAGE_CACHE_SECONDS
(relative times, "3 minutes ago", age; 0 turns the cache off).

What is per visitor in an anonymous page is kept out of the stored copy: the CSRF token (in
the footer's language and theme forms and the htmx header) is stored as a placeholder and each
visitor gets their own on every hit, so the CSRF cookie is set as usual; the language, theme
and `next=` links (the path) are in the key; messages bypass the cache. The page has no CSP
nonce (the policy is static: cop_platform/middleware.py).

The cache may be down (Redis: cop_platform/cache.py fails open): any cache error is a miss and
the view draws the page as usual.
"""

import hashlib
import hmac
import logging
import re
import secrets
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.utils import translation

from .theme import theme_from

logger = logging.getLogger(__name__)

SITE_GENERATION = "page-cache:generation:site"
# Headers the stored copy does not keep: the middleware below the view adds them per answer.
NOT_STORED = {"set-cookie", "content-length", "x-cache"}
# The query parameters of the cached pages (page number, the thread list's filters). An address
# with any other is drawn without the cache: made-up parameters cannot fill it.
QUERY_KEYS = frozenset({"page", "kind", "unanswered", "tag"})
# A masked CSRF token as Django writes it into a form or the htmx header.
_TOKEN_CANDIDATE = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")


def _placeholder() -> bytes:
    """Stands for the visitor's CSRF token in a stored page: derived from SECRET_KEY, so no
    post can contain it by chance or on purpose (and be filled with a token)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"page-cache csrf placeholder", hashlib.sha256).hexdigest()
    return f"csrf-{digest[:32]}".encode()


def _community_generation(slug: str) -> str:
    return f"page-cache:generation:c:{slug}"


# Public for the navigation's notification badge, kept until a community's generation changes
# (members/notifications.py).
community_generation_key = _community_generation


def _slug_of(community) -> str:
    return community if isinstance(community, str) else community.slug


# --- Invalidation (called by the services) -------------------------------------------------------


def _bump(keys: list[str]) -> None:
    try:
        cache.set_many({key: secrets.token_hex(8) for key in keys}, timeout=None)
    except Exception:  # a cache that is down keeps no pages to invalidate
        logger.warning("Page cache: could not bump %s", keys, exc_info=True)


def invalidate(*communities) -> None:
    """After this transaction commits, no page of these communities (objects or slugs) stored
    before is served again. Call it from every service that changes what an anonymous visitor
    sees on their thread list or thread pages."""
    keys = [_community_generation(_slug_of(community)) for community in communities if community is not None]
    if keys:
        transaction.on_commit(lambda: _bump(keys))


def invalidate_site() -> None:
    """After this transaction commits, no stored page of any community is served again (a
    member's name or photo, shown on the pages of every community they post in)."""
    transaction.on_commit(lambda: _bump([SITE_GENERATION]))


# --- Serving -----------------------------------------------------------------------------------


def _enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_SECONDS", 0) > 0


def _may_use(request) -> bool:
    """Anonymous GET/HEAD of a full page, without messages waiting to be shown."""
    if request.method not in ("GET", "HEAD") or "HX-Request" in request.headers:
        return False
    if not QUERY_KEYS.issuperset(request.GET):
        return False
    if request.user.is_authenticated:
        return False
    return len(get_messages(request)) == 0


def _lookup(request, slug: str) -> tuple[str, tuple[str, str] | None, dict | None]:
    """The page's key, the current (site, community) generations and the stored page if it
    was drawn at those generations: one round trip to the cache on a hit. A missing
    generation is created (a cache that lost it, or never had it, starts a new one: nothing
    stored before can match); None when the cache keeps nothing (down, or full)."""
    key = _page_key(request, slug)
    generation_keys = [SITE_GENERATION, _community_generation(slug)]
    found = cache.get_many([*generation_keys, key])
    if any(name not in found for name in generation_keys):
        for name in generation_keys:
            if name not in found:
                cache.add(name, secrets.token_hex(8), timeout=None)
        found = cache.get_many(generation_keys)
        if any(name not in found for name in generation_keys):
            return key, None, None
    generations = (found[generation_keys[0]], found[generation_keys[1]])
    stored = found.get(key)
    if stored is not None and stored["generations"] != generations:
        stored = None  # drawn before a change: never served
    return key, generations, stored


def _page_key(request, slug: str) -> str:
    parts = [
        slug,
        translation.get_language() or "",
        theme_from(request),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
    ]
    return "page-cache:page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _storable(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "").lower()
    return "private" not in control and "no-store" not in control


def _without_csrf_tokens(request, content: bytes) -> bytes | None:
    """`content` with the visitor's CSRF tokens replaced by the placeholder (a token is a
    64-character string that unmasks to the visitor's secret). None: nothing safe to store."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return content

    def replace(match):
        token = match.group().decode()
        return _placeholder() if hmac.compare_digest(_unmask_cipher_token(token), secret) else match.group()

    stored = _TOKEN_CANDIDATE.sub(replace, content)
    # The secret itself must never be in a page; if it is, something we do not know drew it.
    return None if secret.encode() in stored else stored


def _hit(request, stored: dict) -> HttpResponse:
    content = stored["content"]
    placeholder = _placeholder()
    if placeholder in content:
        content = content.replace(placeholder, get_token(request).encode())  # sets the CSRF cookie
    response = HttpResponse(content, status=200)
    for name, value in stored["headers"]:
        response.headers[name] = value
    response.headers["X-Cache"] = "hit"
    return response


def cached_for_anonymous(view, *, slug_kwarg: str, is_public):
    """Wrap `view` (a page of one community, named by URL keyword `slug_kwarg`): anonymous
    visitors get the stored copy while the community's pages are unchanged. `is_public(slug)`
    tells, through the visibility policy, whether anonymous visitors may read the community's
    content; only then is a page stored."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _enabled() or not _may_use(request):
            return view(request, *args, **kwargs)
        slug = kwargs[slug_kwarg]
        try:
            key, generations, stored = _lookup(request, slug)
        except Exception:
            logger.warning("Page cache unavailable: drawing the page", exc_info=True)
            generations = stored = None
        if stored is not None:
            return _hit(request, stored)
        response = view(request, *args, **kwargs)
        if generations is None or request.method != "GET":
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if _storable(response) and is_public(slug):
            content = _without_csrf_tokens(request, response.content)
            if content is not None:
                headers = [(name, value) for name, value in response.items() if name.lower() not in NOT_STORED]
                try:
                    cache.set(
                        key,
                        {"generations": generations, "content": content, "headers": headers},
                        settings.PAGE_CACHE_SECONDS,
                    )
                except Exception:
                    logger.warning("Page cache: could not store a page", exc_info=True)
        response.headers["X-Cache"] = "miss"
        return response

    return wrapper
