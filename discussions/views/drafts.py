"""Drafts: the composer's autosave (composer.js posts the form after a pause in typing), the
plain "Save draft" and "Discard draft" buttons for browsers without JavaScript (they submit the
composer's own form, whose view hands them here), and the member's list of drafts at /drafts/."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ..services import drafts
from ._shared import _content_community, _visible_thread

STATUS_PARTIAL = "discussions/partials/_draft_status.html"


def place_url(draft) -> str:
    """Where a draft's composer is: the new-thread page, the thread's reply box, or the page
    for replying to one post."""
    if draft.place.startswith("new:"):
        return reverse("discussions:new", args=[draft.community.slug])
    if draft.parent_id:  # the thread's community, not the draft's: the thread may have moved
        url = reverse("discussions:reply", args=[draft.thread.community.slug, draft.thread_id])
        return f"{url}?parent={draft.parent_id}"
    return f"{draft.thread.get_absolute_url()}#reply"


def _answer(request, *, draft, error: str = "", back: str):
    """The status line for the autosave (htmx header), or a redirect back for a plain submit."""
    if request.htmx:
        status = error or ("Draft saved" if draft else "Draft discarded")
        return render(request, STATUS_PARTIAL, {"draft_status": status, "saved_at": timezone.now()}, status=200)
    if error:
        messages.error(request, error)
    elif draft:
        messages.success(request, gettext("Draft saved. You find it again here or under Your drafts."))
    else:
        messages.success(request, gettext("Draft discarded."))
    return redirect(back)


def _save(request, *, community, thread=None, parent=None, back: str):
    discard = request.POST.get("draft") == "discard"
    try:
        if discard:
            place = drafts.draft_place(community=community, thread=thread, parent=parent)
            drafts.draft_discard(actor=request.user, place=place)
            draft = None
        else:
            draft = drafts.draft_save(
                actor=request.user, community=community, thread=thread, parent=parent,
                title=request.POST.get("title", ""), body=request.POST.get("body", ""),
                submission_key=request.POST.get("submission_key", "")[:64],
            )  # fmt: skip
    except (PermissionDenied, ValidationError) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else str(error)
        return _answer(request, draft=None, error=message or gettext("The draft could not be saved."), back=back)
    return _answer(request, draft=draft, back=back)


@login_required
@require_POST
def draft_save_new_thread(request, community_slug):
    community, _ = _content_community(request, community_slug)
    return _save(request, community=community, back=reverse("discussions:new", args=[community.slug]))


@login_required
@require_POST
def draft_save_reply(request, community_slug, thread_id):
    thread = _visible_thread(request, community_slug, thread_id)
    parent = None
    parent_id = request.POST.get("parent") or ""
    if parent_id:
        if not parent_id.isdigit():
            raise Http404("No such post.")
        parent = get_object_or_404(thread.posts.all(), pk=parent_id)
    back = f"{thread.get_absolute_url()}#reply"
    if parent is not None and not parent.is_opening:
        back = f"{reverse('discussions:reply', args=[thread.community.slug, thread.pk])}?parent={parent.pk}"
    return _save(request, community=thread.community, thread=thread, parent=parent, back=back)


@login_required
def draft_list(request):
    """The member's drafts, newest first, each with where it belongs and a way to open or
    discard it."""
    page = Paginator(drafts.drafts_visible_to(request.user), 20).get_page(request.GET.get("page"))
    for draft in page:
        draft.url = place_url(draft)
    return render(request, "discussions/drafts.html", {"page_obj": page, "drafts": page.object_list})


@login_required
@require_POST
def draft_discard(request, draft_id):
    """Discard one of the member's own drafts from the list (someone else's is a 404)."""
    draft = get_object_or_404(drafts.drafts_visible_to(request.user), pk=draft_id)
    drafts.draft_discard(actor=request.user, place=draft.place)
    messages.success(request, gettext("Draft discarded."))
    return redirect("discussions:drafts")


def thread_composers(request, *, thread, posts) -> dict:
    """The thread page's composers: the reply box's context (returned, also what the page's one
    hidden per-post reply form uses), and `post.composer` on each post with a draft of a reply
    to it (that post's reply form is shown open, with the draft). One query for all the
    member's drafts in the thread, however many posts the page shows."""
    draft_url = reverse("discussions:draft_reply", args=[thread.community.slug, thread.pk])
    mention_url = reverse("discussions:mentions", args=[thread.community.slug, thread.pk])
    found = {draft.place: draft for draft in drafts.drafts_in_thread(request.user, thread)}
    if any(place.startswith("post:") for place in found):
        for post in posts:
            if getattr(post, "can_reply_here", False) and not post.is_opening:
                draft = found.get(drafts.draft_place(thread=thread, parent=post))
                if draft is not None:
                    post.composer = {"draft_url": draft_url, "mention_url": mention_url, "draft": draft}
    place = drafts.draft_place(thread=thread)
    return {"draft_url": draft_url, "mention_url": mention_url, "draft": found.get(place)}


def composer_context(request, *, community, thread=None, parent=None) -> dict:
    """What a composer page needs for drafts and mentions: where autosave and the Save/Discard
    buttons post, where mention suggestions come from, and the member's draft for this place
    (restored into the form by the caller)."""
    if thread is None:
        draft_url = reverse("discussions:draft_new", args=[community.slug])
        mention_url = reverse("discussions:mentions_new", args=[community.slug])
    else:
        draft_url = reverse("discussions:draft_reply", args=[community.slug, thread.pk])
        mention_url = reverse("discussions:mentions", args=[community.slug, thread.pk])
    place = drafts.draft_place(community=community, thread=thread, parent=parent)
    return {"draft_url": draft_url, "mention_url": mention_url, "draft": drafts.draft_for(request.user, place)}
