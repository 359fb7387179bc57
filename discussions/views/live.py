"""Live updates for an open thread page: "N new replies" without a reload.

Gunicorn runs sync workers, so a long-lived connection (websocket, server-sent events) would
hold a whole worker per open tab. Instead the page polls this small endpoint with the ETag of
its last answer; while the thread's denormalised counters (reply_count, last_activity_at) are
unchanged it answers 304 after one query. Only when they moved does it count the new replies
(one more query). See README "Live updates" and bench/live_updates.py for what it costs.
"""

from datetime import UTC, datetime, timedelta

from django.db.models import Count, Min
from django.http import Http404, HttpResponseBadRequest
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from cop_platform.polling import poll_response

from ..models import Post, Thread


def parse_since(value: str) -> datetime | None:
    """`<seconds>.<microseconds>` since the epoch (the template's `date:'U.u'`), parsed
    exactly: a float would round the microseconds and count the last shown reply as new."""
    seconds, _, micros = (value or "").partition(".")
    if not seconds.isdigit() or (micros and not micros.isdigit()) or len(micros) > 6:
        return None
    return datetime.fromtimestamp(int(seconds), tz=UTC) + timedelta(microseconds=int(micros.ljust(6, "0") or 0))


def thread_etag(reply_count: int, last_activity_at: datetime) -> str:
    """Also rendered by the thread page (data-etag), so its first poll is already a 304."""
    micros = int(last_activity_at.timestamp()) * 1_000_000 + last_activity_at.microsecond
    return f'W/"r{reply_count}-{micros}"'


@require_GET
def thread_updates(request, community_slug, thread_id):
    """{"new": N, "url": the first new reply} for replies by others since `?since=`; 304
    when the thread has not changed since the ETag the page sent; 404 for a thread the
    viewer may not (or no longer) read, so the page stops polling."""
    since = parse_since(request.GET.get("since", ""))
    if since is None:
        return HttpResponseBadRequest("since must be <seconds>.<microseconds> since the epoch")
    row = (
        Thread.objects.visible_to(request.user)
        .filter(pk=thread_id, community__slug=community_slug)
        .values_list("reply_count", "last_activity_at")
        .first()
    )
    if row is None:
        raise Http404("No such thread.")
    return poll_response(request, thread_etag(*row), lambda: new_replies(request.user, thread_id, since))


def new_replies(user, thread_id: int, since: datetime) -> dict:
    new = Post.objects.filter(
        thread_id=thread_id, created_at__gt=since, is_opening=False, deleted_at=None, hidden_at=None
    )
    if user.is_authenticated:
        new = new.exclude(author=user)  # your own reply is no news to you
    found = new.aggregate(count=Count("pk"), first=Min("pk"))
    url = reverse("discussions:post", kwargs={"post_id": found["first"]}) if found["first"] else ""
    # The link's text, in the member's language (live.js shows it as it is).
    label = ngettext("%(count)s new reply — show it", "%(count)s new replies — show them", found["count"]) % {
        "count": found["count"]
    }
    return {"new": found["count"], "url": url, "label": label}
