"""@mention suggestions for the composer: members whose username or display name starts with
what was typed after "@", among those who can read the place being written in. composer.js
shows them in a listbox under the textarea; without JavaScript members type @username."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from communities.models import Membership
from communities.querysets import content_readers
from cop_platform.ratelimit import allow

from ..querysets import thread_readers
from ._shared import _content_community, _visible_thread

MAX_SUGGESTIONS = 8
# One request per pause in typing after "@": generous for a person, a wall for a scraper.
SUGGESTIONS_PER_MINUTE = 90


def _suggest(request, *, community, thread=None):
    prefix = request.GET.get("q", "").strip().lstrip("@")[:40]
    if not prefix or not allow(f"mentions:{request.user.pk}", limit=SUGGESTIONS_PER_MINUTE, period=60):
        return JsonResponse({"members": []})
    members = Membership.objects.active().filter(community=community).values("user_id")
    candidates = (
        get_user_model()
        .objects.filter(pk__in=members)
        .filter(
            Q(username__istartswith=prefix)
            | Q(display_name__istartswith=prefix)
            | Q(display_name__icontains=f" {prefix}")
        )
    )
    # Only people who may read what is being written: a mention of anyone else would neither
    # link usefully nor notify them (one query either way).
    readers = thread_readers(thread, candidates) if thread is not None else content_readers(community, candidates)
    found = (
        readers.exclude(pk=request.user.pk).order_by("username").values("username", "display_name")[:MAX_SUGGESTIONS]
    )
    return JsonResponse(
        {"members": [{"username": row["username"], "name": row["display_name"] or row["username"]} for row in found]}
    )


@login_required
@require_GET
def mention_suggest_new_thread(request, community_slug):
    community, _ = _content_community(request, community_slug)
    return _suggest(request, community=community)


@login_required
@require_GET
def mention_suggest_thread(request, community_slug, thread_id):
    thread = _visible_thread(request, community_slug, thread_id)
    return _suggest(request, community=thread.community, thread=thread)
