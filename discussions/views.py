"""The member-facing discussion pages: the thread list, starting a thread, the thread page with
its nested replies, and every button on it.

Thin views: reads start from the visibility policy (404 for anything the viewer may not see),
writes are service calls (PermissionDenied becomes a 403 page that says why, ValidationError
an error next to the field with everything typed kept). Reactions and the Markdown preview
answer htmx requests with a fragment; every form also works as a plain POST.
"""

from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from communities.forms import add_service_error
from communities.models import Community, MembershipState
from communities.permissions import can_view_content, is_active_member
from communities.services import membership_of
from cop_platform.ratelimit import allow

from . import permissions, selectors
from .forms import (
    BODY_MAX_LENGTH,
    FlagForm,
    HideForm,
    PostEditForm,
    ReplyForm,
    ThreadEditForm,
    ThreadFilterForm,
    ThreadForm,
    ThreadModerationForm,
    new_submission_key,
)
from .models import PATH_STEP, FlagReason, FollowLevel, Post, Reaction, ReactionKind, Thread, ThreadReadState
from .services import following, moderating, posting, reacting

REACTIONS_PARTIAL = "discussions/partials/_reactions.html"
PREVIEW_PARTIAL = "discussions/partials/_preview.html"
PREVIEWS_PER_MINUTE = 120
MAX_INDENT = 6  # indent levels the stylesheet draws; deeper replies line up with the sixth


# --- Fetching through the visibility policy ------------------------------------------------------


def _visible_community(request, slug) -> Community:
    return get_object_or_404(Community.objects.visible_to(request.user), slug=slug)


def _content_community(request, slug):
    """The community and the viewer's membership, when the viewer may read its content (a
    private community's discussions are a 404 for outsiders, like the threads themselves)."""
    community = _visible_community(request, slug)
    membership = membership_of(request.user, community)
    if not can_view_content(request.user, community, membership):
        raise Http404("No discussions to show.")
    return community, membership


def _visible_thread(request, community_slug, thread_id) -> Thread:
    community = _visible_community(request, community_slug)
    return get_object_or_404(
        Thread.objects.visible_to(request.user).select_related("community", "author"), pk=thread_id, community=community
    )


def _visible_post(request, post_id) -> Post:
    return get_object_or_404(
        Post.objects.visible_to(request.user).select_related("author", "thread__community", "thread__author"),
        pk=post_id,
    )


def _post_location(post: Post) -> str:
    """Where a post is shown: its thread's page (`?page=N#post-<id>`), or, past the display
    depth, the "continue this thread" page of its ancestor that the thread page links to."""
    thread, display_depth = post.thread, settings.THREAD_DISPLAY_DEPTH
    if post.depth > display_depth:
        root_depth = display_depth * ((post.depth - 1) // display_depth)
        root_pk = Post.objects.values_list("pk", flat=True).get(
            thread_id=post.thread_id, path=post.path[: (root_depth + 1) * PATH_STEP]
        )
        url = reverse(
            "discussions:subtree",
            kwargs={"community_slug": thread.community.slug, "thread_id": thread.pk, "post_id": root_pk},
        )
        return f"{url}#post-{post.pk}"
    page_number = selectors.page_number_of(post)
    query = f"?page={page_number}" if page_number > 1 else ""
    return f"{thread.get_absolute_url()}{query}#post-{post.pk}"


# --- Small shared pieces ---------------------------------------------------------------------


def _query_without(request, *names) -> str:
    """The current filters, urlencoded, without `names` and empty values (for links)."""
    query = request.GET.copy()
    for name in [*names, *(key for key, value in query.items() if not value)]:
        query.pop(name, None)
    return query.urlencode()


def _posting_refusal(membership, *, action: str = "post") -> tuple[str, bool]:
    """Why a signed-in person with `membership` (or None) may not post, and whether joining
    would fix it."""
    if membership is None:
        return f"Join this community to {action}.", True
    if membership.state == MembershipState.PENDING:
        return f"Your request to join is waiting for a coordinator. You can {action} once it is approved.", False
    if membership.state == MembershipState.INVITED:
        return f"Accept your invitation to this community to {action}.", True
    return f"Only active members can {action} in this community.", False


def _forbidden(request, community, message: str, *, offer_join: bool = False):
    context = {"community": community, "message": message, "offer_join": offer_join}
    return render(request, "discussions/forbidden.html", context, status=403)


def _refuse_posting(request, community, membership):
    message, offer_join = _posting_refusal(membership)
    return _forbidden(request, community, message, offer_join=offer_join)


def _preview_html(request) -> str | None:
    """The rendered body when a form was sent with its "Preview" button (no-JS preview)."""
    if "preview" not in request.POST:
        return None
    return posting.render_body(request.POST.get("body", "")[:BODY_MAX_LENGTH])[0]


def _typed(request) -> dict:
    """What the member typed, to re-show an unbound form (a preview shows no errors yet)."""
    return {key: value for key, value in request.POST.items() if key not in ("csrfmiddlewaretoken", "preview")}


def _submit(form, write):
    """Run a service with a valid form's data. Its ValidationError lands on the form (next to
    the fields it names); returns what the service returned, or None if anything refused."""
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except ValidationError as error:
        add_service_error(form, error)
        return None


def _post_page(request, template: str, post: Post, *, form=None, **extra):
    """A small page about one post (edit, delete, flag, hide, history): 400 when its form
    has errors, so a refused submit is visible as one."""
    context = {"community": post.thread.community, "thread": post.thread, "post": post, "form": form, **extra}
    return render(request, template, context, status=400 if form is not None and form.errors else 200)


def _show_text(user, post, membership) -> bool:
    return not post.is_hidden or permissions.can_see_hidden_post(user, post, membership)


class ReactionButton(NamedTuple):
    kind: str
    label: str
    count: int
    active: bool


def _with_reaction_buttons(post: Post) -> Post:
    post.reaction_buttons = [
        ReactionButton(kind, label, getattr(post, f"{kind}_count"), kind in post.my_reactions)
        for kind, label in ReactionKind.choices
    ]
    return post


# --- Thread list and new threads -----------------------------------------------------------------


def thread_list(request, community_slug):
    """Pinned threads first, then latest activity; filtered by tag, kind or unanswered."""
    community, membership = _content_community(request, community_slug)
    filter_form = ThreadFilterForm(request.GET or None)
    filters = filter_form.filters()
    threads = selectors.threads_for_listing(community=community, user=request.user, **filters)
    page_obj = Paginator(threads, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for thread in page_obj:
        thread.unread = request.user.is_authenticated and selectors.is_unread(thread)
    return render(
        request,
        "discussions/thread_list.html",
        {
            "community": community,
            "membership": membership,
            "filter_form": filter_form,
            "page_obj": page_obj,
            "query": _query_without(request, "page"),
            "filtered": any(filters.values()),
            "active_tag": filters.get("tag", ""),
            "query_without_tag": _query_without(request, "page", "tag"),
            "can_start": request.user.is_authenticated
            and permissions.can_start_thread(request.user, community, membership),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def thread_new(request, community_slug):
    community, membership = _content_community(request, community_slug)
    if not permissions.can_start_thread(request.user, community, membership):
        return _refuse_posting(request, community, membership)
    preview_html = None
    if request.method == "GET":
        form = ThreadForm(initial={"submission_key": new_submission_key()})
    elif (preview_html := _preview_html(request)) is not None:
        form = ThreadForm(initial=_typed(request))
    else:
        form = ThreadForm(request.POST)
        try:
            thread = _submit(form, lambda data: posting.thread_create(actor=request.user, community=community, **data))
        except PermissionDenied:
            return _refuse_posting(request, community, membership)
        if thread is not None:
            messages.success(request, "Your thread is started.")
            return redirect(thread)
    return render(
        request,
        "discussions/thread_form.html",
        {"community": community, "form": form, "preview_html": preview_html},
        status=400 if form.errors else 200,
    )


# --- The thread page -----------------------------------------------------------------------------


def thread_detail(request, community_slug, thread_id, thread_slug=None):
    """A page of top-level replies with their subtrees. The short and wrong-slug addresses
    (and a thread's address from before it was moved) redirect to the canonical one."""
    community = _visible_community(request, community_slug)
    thread = (
        Thread.objects.visible_to(request.user)
        .select_related("community", "author")
        .filter(pk=thread_id, community=community)
        .first()
    )
    if thread is None:
        moved = Thread.objects.visible_to(request.user).select_related("community").filter(pk=thread_id).first()
        if moved is None:
            raise Http404("No such thread.")
        thread = moved
    if thread_slug != thread.slug or thread.community_id != community.pk:
        url = thread.get_absolute_url()
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    page = selectors.thread_page(thread=thread, user=request.user, page_number=request.GET.get("page"))
    return _render_thread(request, thread, page)


def thread_subtree(request, community_slug, thread_id, post_id):
    """The replies below a deep post ("Continue this thread")."""
    thread = _visible_thread(request, community_slug, thread_id)
    root = get_object_or_404(thread.posts.all(), pk=post_id)
    page = selectors.thread_page(thread=thread, user=request.user, root=root)
    return _render_thread(request, thread, page, root=root)


def _reply_refusal(user, thread, membership) -> tuple[str, bool]:
    """Why the page shows no reply form, and whether joining would fix it."""
    if thread.hidden_at is not None:
        return "This thread is hidden, so nobody can reply.", False
    if thread.is_closed:
        return "This thread is closed to new replies.", False
    if not user.is_authenticated:
        return "Sign in to reply.", False
    if thread.is_locked:
        return "This thread is locked: only coordinators can reply.", False
    return _posting_refusal(membership, action="reply")


def _decorate_for_template(user, membership, posts, *, can_reply, can_accept) -> None:
    """The per-post buttons the selector's flags do not cover (pure rules, no queries)."""
    for post in posts:
        post.indent = min(post.depth, MAX_INDENT)
        post.can_see_revisions = user.is_authenticated and permissions.can_see_revisions(user, post, membership)
        post.can_reply_here = can_reply and not post.is_deleted
        post.reply_key = new_submission_key() if post.can_reply_here else ""
        post.can_accept = can_accept and not (post.is_opening or post.is_deleted or post.is_hidden)
        _with_reaction_buttons(post)


def _render_thread(request, thread, page, *, root=None):
    user, membership = request.user, page.membership
    posts = [page.opening, *page.posts]
    can_reply = user.is_authenticated and permissions.can_reply(user, thread, membership)
    can_moderate = page.opening.can_moderate
    can_accept = user.is_authenticated and permissions.can_accept_answer(user, thread, membership)
    _decorate_for_template(user, membership, posts, can_reply=can_reply, can_accept=can_accept)

    accepted = None
    if thread.accepted_post_id:
        accepted = next((post for post in posts if post.pk == thread.accepted_post_id), None) or (
            Post.objects.select_related("author").filter(pk=thread.accepted_post_id).first()
        )
    first_unread_url = None
    if page.first_unread is not None:
        page.first_unread.thread = thread  # share the fetched row (and its community): no query
        on_this_page = any(post.pk == page.first_unread.pk for post in posts)
        first_unread_url = f"#post-{page.first_unread.pk}" if on_this_page else _post_location(page.first_unread)

    follow = ""
    if user.is_authenticated:
        follow = ThreadReadState.objects.filter(thread=thread, user=user).values_list("follow", flat=True).first()
        following.thread_mark_read(actor=user, thread=thread, until=max(post.created_at for post in posts))
    reply_refusal, offer_join = ("", False) if can_reply else _reply_refusal(user, thread, membership)
    context = {
        "community": thread.community,
        "thread": thread,
        "page": page,
        "page_obj": page.page,
        "opening": page.opening,
        "posts": page.posts,
        "root": root,
        "accepted": accepted,
        "first_unread_url": first_unread_url,
        "follow": follow or "",
        "can_reply": can_reply,
        "can_moderate": can_moderate,
        "can_edit_thread": request.user.is_authenticated
        and permissions.can_edit_thread(request.user, thread, page.membership),
        "reply_refusal": reply_refusal,
        "flag_reasons": FlagReason.choices,
        "offer_join": offer_join,
        "reply_form": ReplyForm(initial={"submission_key": new_submission_key()}),
        "move_choices": (
            Community.objects.coordinated_by(user).exclude(pk=thread.community_id).order_by("name")
            if can_moderate
            else []
        ),
    }
    return render(request, "discussions/thread_detail.html", context)


def post_permalink(request, post_id):
    """/posts/<id>/: the page of its thread that shows the post, at the post."""
    return redirect(_post_location(_visible_post(request, post_id)))


# --- Replying, editing, deleting -----------------------------------------------------------------


@login_required
@require_POST
def post_reply(request, community_slug, thread_id):
    """Reply to the thread or to a post in it. A refused reply (too fast, empty) comes back
    on a reply page with the message and the typed text."""
    thread = _visible_thread(request, community_slug, thread_id)
    membership = membership_of(request.user, thread.community)
    parent = None
    parent_id = request.POST.get("parent") or None
    if parent_id is not None:
        if not parent_id.isdigit():
            raise Http404("No such post.")
        parent = get_object_or_404(thread.posts.select_related("author"), pk=parent_id)
        parent.thread = thread
        parent.show_text = _show_text(request.user, parent, membership)
    preview_html = _preview_html(request)
    if preview_html is not None:
        form = ReplyForm(initial=_typed(request))
    else:
        form = ReplyForm(request.POST)
        try:
            post = _submit(
                form,
                lambda data: posting.post_reply(
                    actor=request.user, thread=thread, parent=parent, body=data["body"],
                    submission_key=data["submission_key"],
                ),
            )  # fmt: skip
        except PermissionDenied as error:
            if thread.is_closed or thread.is_locked or is_active_member(membership):
                return _forbidden(request, thread.community, str(error))
            return _refuse_posting(request, thread.community, membership)
        if post is not None:
            post.thread = thread
            messages.success(request, "Your reply is posted.")
            return redirect(_post_location(post))
    return render(
        request,
        "discussions/reply.html",
        {"community": thread.community, "thread": thread, "parent": parent, "form": form, "preview_html": preview_html},
        status=400 if form.errors else 200,
    )


def _require_edit(request, post) -> None:
    if not permissions.can_edit_post(request.user, post, membership_of(request.user, post.thread.community)):
        raise PermissionDenied("Only the author, while a member, and the coordinators can change this post.")


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, post_id):
    post = _visible_post(request, post_id)
    _require_edit(request, post)
    preview_html = None
    if request.method == "GET":
        form = PostEditForm(initial={"body": post.body})
    elif (preview_html := _preview_html(request)) is not None:
        form = PostEditForm(initial=_typed(request))
    else:
        form = PostEditForm(request.POST)
        if _submit(form, lambda data: posting.post_edit(actor=request.user, post=post, body=data["body"])):
            messages.success(request, "Your changes are saved.")
            return redirect(_post_location(post))
    return _post_page(request, "discussions/post_edit.html", post, form=form, preview_html=preview_html)


@login_required
@require_http_methods(["GET", "POST"])
def thread_edit(request, community_slug, thread_id):
    """Retitle and retag a thread: the author of its opening post and the coordinators."""
    thread = _visible_thread(request, community_slug, thread_id)
    if not permissions.can_edit_thread(request.user, thread, membership_of(request.user, thread.community)):
        raise PermissionDenied("Only the thread's author, while a member, and the coordinators can change it.")
    if request.method == "POST":
        form = ThreadEditForm(request.POST)
        if _submit(form, lambda data: posting.thread_edit(actor=request.user, thread=thread, **data)):
            messages.success(request, "The thread is updated.")
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
        messages.success(request, "The post is deleted.")
        return redirect(_post_location(post))
    post.show_text = True
    return _post_page(request, "discussions/post_delete.html", post)


def post_revisions(request, post_id):
    """The earlier versions of a post, for its author and the coordinators (404 for others)."""
    post = _visible_post(request, post_id)
    membership = membership_of(request.user, post.thread.community)
    if not permissions.can_see_revisions(request.user, post, membership):
        raise Http404("No revisions to show.")
    return _post_page(
        request, "discussions/post_revisions.html", post, revisions=post.revisions.select_related("editor")
    )


# --- Reactions, flags, answers, hiding -----------------------------------------------------------


@login_required
@require_POST
def post_react(request, post_id, kind):
    """Toggle a reaction. htmx gets the post's reaction block back, swapped in place."""
    if kind not in ReactionKind.values:
        raise Http404("No such reaction.")
    post = _visible_post(request, post_id)
    reacting.reaction_toggle(actor=request.user, post=post, kind=kind)
    if not request.htmx:
        return redirect(_post_location(post))
    post.refresh_from_db(fields=[f"{value}_count" for value in ReactionKind.values])
    post.my_reactions = set(Reaction.objects.filter(post=post, user=request.user).values_list("kind", flat=True))
    post.can_react = True
    return render(request, REACTIONS_PARTIAL, {"post": _with_reaction_buttons(post)})


@login_required
@require_http_methods(["GET", "POST"])
def post_flag(request, post_id):
    post = _visible_post(request, post_id)
    membership = membership_of(request.user, post.thread.community)
    if not permissions.can_flag(request.user, post, membership):
        raise PermissionDenied("You cannot flag this post.")
    form = FlagForm(request.POST or None)
    if request.method == "POST" and _submit(
        form, lambda data: moderating.flag_create(actor=request.user, post=post, **data)
    ):
        messages.success(request, "Thanks, the coordinators will review it.")
        return redirect(_post_location(post))
    post.show_text = _show_text(request.user, post, membership)
    return _post_page(request, "discussions/flag.html", post, form=form)


@login_required
@require_POST
def post_accept(request, post_id):
    """Accept a reply as the answer, or take the acceptance back if it is the accepted one."""
    post = _visible_post(request, post_id)
    thread = post.thread
    try:
        if thread.accepted_post_id == post.pk:
            reacting.answer_unaccept(actor=request.user, thread=thread)
            messages.success(request, "The question is open again.")
        else:
            reacting.answer_accept(actor=request.user, post=post)
            messages.success(request, "Marked as the accepted answer.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_post_location(post))


@login_required
@require_http_methods(["GET", "POST"])
def post_hide(request, post_id):
    """Coordinators hide a post with a reason the author sees, or restore it."""
    post = _visible_post(request, post_id)
    membership = membership_of(request.user, post.thread.community)
    if not permissions.can_moderate(request.user, post.thread.community, membership):
        raise PermissionDenied("Only this community's coordinators can hide posts.")
    if request.method == "POST" and request.POST.get("action") == "restore":
        moderating.post_restore(actor=request.user, post=post)
        messages.success(request, "The post is visible again.")
        return redirect(_post_location(post))
    form = HideForm(request.POST or None)
    if request.method == "POST" and _submit(
        form, lambda data: moderating.post_hide(actor=request.user, post=post, reason=data["reason"])
    ):
        messages.success(request, "The post is hidden. Its author sees your reason.")
        return redirect(_post_location(post))
    post.show_text = True
    return _post_page(request, "discussions/post_hide.html", post, form=form)


# --- Following and thread moderation -------------------------------------------------------------

FOLLOW_MESSAGES = {
    FollowLevel.FOLLOWING: "You follow this thread: new posts will notify you.",
    FollowLevel.MUTED: "Muted: this thread will not notify you, even about replies to you.",
    "": "Back to the default: only replies to you and mentions notify you.",
}


@login_required
@require_POST
def thread_follow(request, community_slug, thread_id):
    thread = _visible_thread(request, community_slug, thread_id)
    level = request.POST.get("level", "")
    try:
        following.thread_set_follow(actor=request.user, thread=thread, level=level)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, FOLLOW_MESSAGES[level])
    return redirect(thread)


MODERATION_MESSAGES = {
    "pin": "The thread is pinned to the top of the list.",
    "unpin": "The thread is no longer pinned.",
    "lock": "The thread is locked: only coordinators can reply.",
    "unlock": "The thread is unlocked: members can reply again.",
    "close": "The thread is closed to new replies.",
    "reopen": "The thread is open for replies again.",
    "hide": "The thread is hidden from members.",
    "restore": "The thread is visible to members again.",
    "move": "The thread is moved to {community}.",
}


@login_required
@require_POST
def thread_moderate(request, community_slug, thread_id):
    """Pin, lock, close, hide or move a thread (coordinators); each action is audited."""
    thread = _visible_thread(request, community_slug, thread_id)
    if not permissions.can_moderate(request.user, thread.community, membership_of(request.user, thread.community)):
        raise PermissionDenied("Only this community's coordinators can moderate it.")
    form = ThreadModerationForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return redirect(thread)
    action, actor = form.cleaned_data["action"], request.user
    if action == "hide":
        moderating.thread_hide(actor=actor, thread=thread, reason=form.cleaned_data["reason"])
    elif action == "restore":
        moderating.thread_restore(actor=actor, thread=thread)
    elif action == "move":
        moderating.thread_move(actor=actor, thread=thread, to_community=form.cleaned_data["community"])
    else:
        moderating.thread_moderate(actor=actor, thread=thread, action=action)
    messages.success(request, MODERATION_MESSAGES[action].format(community=thread.community.name))
    return redirect(thread)


# --- Markdown preview ----------------------------------------------------------------------------


@login_required
@require_POST
def markdown_preview(request):
    """The sanitised HTML a body would become (the htmx live preview)."""
    body = request.POST.get("body", "")
    context = {"preview_html": None, "notice": ""}
    if len(body) > BODY_MAX_LENGTH:
        context["notice"] = f"This text is too long to post: keep it under {BODY_MAX_LENGTH:,} characters."
    elif not allow(f"preview:{request.user.pk}", limit=PREVIEWS_PER_MINUTE, period=60):
        context["notice"] = "The preview pauses for a moment; it will update as you keep typing."
    else:
        context["preview_html"] = posting.render_body(body)[0]
    return render(request, PREVIEW_PARTIAL, context)
