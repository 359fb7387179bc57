"""Writing: starting a thread, replying, editing and deleting posts, retitling a thread, and the
Markdown preview. A refused write comes back with the reason and everything typed kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from communities.forms import submit_form
from communities.models import Membership
from communities.permissions import is_active_member
from communities.services import membership_of
from cop_platform.markdown import MENTION_RE, render_markdown_with_mentions
from cop_platform.ratelimit import allow
from cop_platform.search.engine import similar

from .. import permissions
from ..forms import (
    BODY_MAX_LENGTH,
    PostEditForm,
    ReplyForm,
    ThreadEditForm,
    ThreadForm,
    ask_for_similar_threads,
    new_submission_key,
)
from ..models import ThreadKind
from ..poll_forms import PollForm
from ..services import polls, posting
from ._shared import (
    _content_community,
    _forbidden,
    _post_location,
    _post_page,
    _preview_html,
    _refuse_posting,
    _require_edit,
    _show_text,
    _typed,
    _visible_post,
    _visible_thread,
)
from .attachments import Attached, read_attachments
from .drafts import composer_context, draft_save_new_thread, draft_save_reply

PREVIEW_PARTIAL = "discussions/partials/_preview.html"
PREVIEWS_PER_MINUTE = 120


# --- New threads ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def thread_new(request, community_slug):
    community, membership = _content_community(request, community_slug)
    if not permissions.can_start_thread(request.user, community, membership):
        return _refuse_posting(request, community, membership)
    if request.method == "POST" and request.POST.get("draft"):  # "Save draft" / "Discard draft"
        return draft_save_new_thread(request, community_slug)
    preview_html = None
    similar_title = None
    attached = read_attachments(request, community) if request.method == "POST" else Attached()
    composer = composer_context(request, community=community)
    if request.method == "GET":
        form = ThreadForm(initial=_new_thread_initial(request, community, composer["draft"]))
        poll_form = PollForm(user=request.user)
    elif (preview_html := _preview_html(request)) is not None or "similar" in request.POST or attached.errors:
        # Preview and "Check for similar questions" (the no-JS hint) keep what was typed.
        form = ThreadForm(initial=_typed(request))
        poll_form = PollForm(initial=PollForm.typed(request.POST), user=request.user)
        similar_title = request.POST.get("title", "")[:200]
    else:
        form = ThreadForm(request.POST)
        poll_form = PollForm(request.POST, user=request.user)
        poll_valid = poll_form.is_valid()  # checked first, so every mistake shows at once
        try:
            # The poll is made with the thread, in one transaction, or not at all.
            thread = submit_form(
                form,
                lambda data: (
                    polls.thread_create_with_poll(
                        actor=request.user,
                        community=community,
                        poll=poll_form.spec(),
                        attachment_ids=attached.ids,
                        **data,
                    )
                    if poll_valid
                    else None
                ),
            )
        except PermissionDenied:
            return _refuse_posting(request, community, membership)
        if thread is not None:
            messages.success(request, gettext("Your thread is started."))
            return redirect(thread)
    ask_for_similar_threads(form, community)
    return render(
        request,
        "discussions/thread_form.html",
        {
            "community": community,
            "form": form,
            "poll_form": poll_form,
            "composer": composer,
            "preview_html": preview_html,
            "similar_title": similar_title,
            "similar": similar(user=request.user, title=similar_title, community=community) if similar_title else [],
            "attached": attached,
        },
        status=400 if form.errors or poll_form.errors or attached.errors else 200,
    )


def _new_thread_initial(request, community, draft=None) -> dict:
    """The new-thread form's starting values: the member's draft if they left one here,
    `?kind=question` starts a question, and `?ask=<username>` (from "Ask <name> a question" on a
    profile) starts one that mentions that member, when they are an active member of this
    community."""
    initial = {"submission_key": new_submission_key()}
    if draft is not None:
        initial.update(title=draft.title, body=draft.body)
    if request.GET.get("kind") in ThreadKind.values:
        initial["kind"] = request.GET["kind"]
    asked = request.GET.get("ask", "")
    if asked and Membership.objects.active().filter(community=community, user__username=asked).exists():
        initial.update(kind=ThreadKind.QUESTION, body=f"@{asked} ")
    return initial


# --- Replying, editing, deleting -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def post_reply(request, community_slug, thread_id):
    """Reply to the thread or to a post in it. A refused reply (too fast, empty) comes back
    on a reply page with the message and the typed text. GET shows that page with the member's
    draft for the place (where "Your drafts" and "Save draft" without JavaScript lead)."""
    if request.method == "POST" and request.POST.get("draft"):  # "Save draft" / "Discard draft"
        return draft_save_reply(request, community_slug, thread_id)
    thread = _visible_thread(request, community_slug, thread_id)
    membership = membership_of(request.user, thread.community)
    parent = None
    parent_id = request.POST.get("parent") or request.GET.get("parent") or None
    if parent_id is not None:
        if not parent_id.isdigit():
            raise Http404("No such post.")
        parent = get_object_or_404(thread.posts.select_related("author"), pk=parent_id)
        parent.thread = thread
        parent.show_text = _show_text(request.user, parent, membership)
    composer = composer_context(request, community=thread.community, thread=thread, parent=parent)
    preview_html = _preview_html(request) if request.method == "POST" else None
    attached = read_attachments(request, thread.community) if request.method == "POST" else Attached()
    if request.method == "GET":
        draft = composer["draft"]
        form = ReplyForm(
            initial={"parent": parent_id, "submission_key": new_submission_key(), "body": draft.body if draft else ""}
        )
    elif preview_html is not None or attached.errors:
        form = ReplyForm(initial=_typed(request))
    else:
        form = ReplyForm(request.POST)
        try:
            post = submit_form(
                form,
                lambda data: posting.post_reply(
                    actor=request.user, thread=thread, parent=parent, body=data["body"],
                    submission_key=data["submission_key"], attachment_ids=attached.ids,
                ),
            )  # fmt: skip
        except PermissionDenied as error:
            if thread.is_closed or thread.is_locked or is_active_member(membership):
                return _forbidden(request, thread.community, str(error))
            return _refuse_posting(request, thread.community, membership)
        if post is not None:
            post.thread = thread
            messages.success(request, gettext("Your reply is posted."))
            return redirect(_post_location(post))
    return render(
        request,
        "discussions/reply.html",
        {
            "community": thread.community,
            "thread": thread,
            "parent": parent,
            "form": form,
            "preview_html": preview_html,
            "attached": attached,
            "composer": composer,
        },  # fmt: skip
        status=400 if form.errors or attached.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, post_id):
    post = _visible_post(request, post_id)
    _require_edit(request, post)
    preview_html = None
    attached = read_attachments(request, post.thread.community) if request.method == "POST" else Attached()
    if request.method == "GET":
        form = PostEditForm(initial={"body": post.body})
    elif (preview_html := _preview_html(request)) is not None or attached.errors:
        form = PostEditForm(initial=_typed(request))
    else:
        form = PostEditForm(request.POST)
        if submit_form(
            form,
            lambda data: posting.post_edit(
                actor=request.user, post=post, body=data["body"], attachment_ids=attached.ids
            ),
        ):
            messages.success(request, gettext("Your changes are saved."))
            return redirect(_post_location(post))
    response = _post_page(
        request, "discussions/post_edit.html", post, form=form, preview_html=preview_html, attached=attached
    )
    if attached.errors:
        response.status_code = 400
    return response


@login_required
@require_http_methods(["GET", "POST"])
def thread_edit(request, community_slug, thread_id):
    """Retitle and retag a thread: the author of its opening post and the coordinators."""
    thread = _visible_thread(request, community_slug, thread_id)
    if not permissions.can_edit_thread(request.user, thread, membership_of(request.user, thread.community)):
        raise PermissionDenied(gettext("Only the thread's author, while a member, and the coordinators can change it."))
    if request.method == "POST":
        form = ThreadEditForm(request.POST)
        if submit_form(form, lambda data: posting.thread_edit(actor=request.user, thread=thread, **data)):
            messages.success(request, gettext("The thread is updated."))
            return redirect(thread)
    else:
        form = ThreadEditForm(initial={"title": thread.title, "tags": list(thread.tags.all())})
    return render(
        request,
        "discussions/thread_edit.html",
        {"community": thread.community, "thread": thread, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request, post_id):
    """GET asks to confirm (for browsers without JavaScript); POST deletes. The post stays
    as a placeholder so the replies below keep their place."""
    post = _visible_post(request, post_id)
    _require_edit(request, post)
    if request.method == "POST":
        posting.post_delete(actor=request.user, post=post)
        messages.success(request, gettext("The post is deleted."))
        return redirect(_post_location(post))
    post.show_text = True
    return _post_page(request, "discussions/post_delete.html", post)


# --- Markdown preview ----------------------------------------------------------------------------


@login_required
@require_POST
def markdown_preview(request):
    """The sanitised HTML a body would become (the htmx live preview)."""
    body = request.POST.get("body", "")
    context = {"preview_html": None, "notice": ""}
    if len(body) > BODY_MAX_LENGTH:
        context["notice"] = gettext("This text is too long to post: keep it under %(limit)s characters.") % {
            "limit": number_format(BODY_MAX_LENGTH, force_grouping=True)
        }
    elif not allow(f"preview:{request.user.pk}", limit=PREVIEWS_PER_MINUTE, period=60):
        context["notice"] = gettext("The preview pauses for a moment; it will update as you keep typing.")
    else:
        context["preview_html"], mentioned = posting.render_body(body)
        context["unmatched"] = _unmatched_mentions(body, mentioned)
    return render(request, PREVIEW_PARTIAL, context)


def _unmatched_mentions(body: str, mentioned: list[str]) -> list[str]:
    """The @names in the text (not in code or links) that match no member's username: they will
    neither link nor notify, which members typing a display name (`@Kwame`) did not notice."""
    if "@" not in body:
        return []
    asked: list[str] = []
    render_markdown_with_mentions(body, mention_resolver=asked.append)  # records, resolves nothing
    unmatched = set(asked) - set(mentioned)
    typing = MENTION_RE.search(body, max(0, len(body) - 60))
    while typing is not None and typing.end() < len(body):
        typing = MENTION_RE.search(body, typing.end())
    if typing is not None:  # the name at the very end is still being typed: no warning yet
        unmatched.discard(typing.group(1))
    return sorted(unmatched)[:5]
