"""The reading pages: the thread list, the thread page with its nested replies, the "continue
this thread" page, a post's permalink and its earlier versions."""

from functools import lru_cache

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.db.models import Q
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext, ngettext

from communities.models import Community
from communities.origins import backlinks_for, follow_ups_for
from communities.permissions import why_not_active
from communities.services import membership_of

from .. import permissions, selectors
from ..forms import ReplyForm, ThreadFilterForm, new_submission_key
from ..models import FlagReason, Thread, ThreadReadState
from ..services import following
from ._post_html import PageOfPosts, csrf_input
from ._shared import (
    _content_community,
    _post_location,
    _post_page,
    _query_without,
    _visible_community,
    _visible_post,
    _with_reaction_buttons,
)
from .drafts import thread_composers
from .polls import poll_for_page

MAX_INDENT = 6  # indent levels the stylesheet draws; deeper replies line up with the sixth


# --- The thread list -----------------------------------------------------------------------------


def thread_list(request, community_slug):
    """Pinned threads first, then latest activity; filtered by tag, kind or unanswered."""
    community, membership = _content_community(request, community_slug)
    filter_form = ThreadFilterForm(request.GET or None)
    filters = filter_form.filters()
    page_obj = selectors.thread_list_page(
        community=community, user=request.user, membership=membership, page_number=request.GET.get("page"), **filters
    )
    _with_row_texts(page_obj.object_list)
    return render(
        request,
        "discussions/thread_list.html",
        {
            "community": community,
            "membership": membership,
            "filter_form": filter_form,
            "filter_form_html": _filter_form_html(translation.get_language(), *_filter_key(request)),
            "page_obj": page_obj,
            "query": _query_without(request, "page"),
            "filtered": any(filters.values()),
            "active_tag": filters.get("tag", ""),
            "query_without_tag": _query_without(request, "page", "tag"),
            "can_start": request.user.is_authenticated
            and permissions.can_start_thread(request.user, community, membership),
        },
    )


FILTER_FIELDS = tuple(ThreadFilterForm.base_fields)


def _filter_key(request) -> tuple[bool, tuple]:
    """What the filter form's HTML depends on besides the language: whether it is bound (any
    query string), and the values of its own fields (the form reads no other input)."""
    return bool(request.GET), tuple((name, request.GET[name]) for name in FILTER_FIELDS if name in request.GET)


@lru_cache(maxsize=256)
def _filter_form_html(language: str, bound: bool, data: tuple) -> str:
    """The filter form as `{{ filter_form }}` renders it, kept per language and input: the
    form's rendering (widgets, field templates) costs more than the rest of a row-less page,
    and it is a pure function of these three (the form asks nothing of the request or the
    database; keep it so, or key it by what it starts asking)."""
    return str(ThreadFilterForm(dict(data) if bound else None))


def _with_row_texts(rows) -> None:
    """The two sentences of a list row with numbers in them ("active 3 minutes ago", "2
    replies"), each translated once per page here rather than by a {% blocktranslate %} per
    row; what the template's tags would write (values localized and escaped)."""
    active = gettext('active <time datetime="%(iso)s">%(when)s</time>')
    replies = {}
    for row in rows:
        when = row.last_activity_at
        values = {"iso": escape(date_format(localtime(when), "c")), "when": escape(naturaltime(when))}
        row.active_html = mark_safe(active % values)  # noqa: S308 (translated text, escaped values)
        count = row.reply_count
        if count not in replies:
            sentence = ngettext(
                '<span class="reply-count">%(counter)s</span> <span class="small muted">reply</span>',
                '<span class="reply-count">%(counter)s</span> <span class="small muted">replies</span>',
                count,
            )
            replies[count] = mark_safe(sentence % {"counter": escape(localize(count))})  # noqa: S308
        row.replies_html = replies[count]


# --- The thread page -----------------------------------------------------------------------------


def thread_detail(request, community_slug, thread_id, thread_slug=None):
    """A page of top-level replies with their subtrees. The short and wrong-slug addresses
    (and a thread's address from before it was moved) redirect to the canonical one."""
    thread = selectors.thread_for_page(request.user, community_slug=community_slug, thread_id=thread_id)
    if thread is None:
        community = _visible_community(request, community_slug)  # 404 for a community one may not see
        moved = Thread.objects.visible_to(request.user).select_related("community").filter(pk=thread_id).first()
        if moved is None:
            raise Http404("No such thread.")
        if moved.community_id == community.pk:  # hidden from thread_for_page's view: no redirect loop
            raise Http404("No such thread.")
        thread = moved
    if thread_slug != thread.slug or thread.community.slug != community_slug:
        url = thread.get_absolute_url()
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    page = selectors.thread_page(thread=thread, user=request.user, page_number=request.GET.get("page"))
    return _render_thread(request, thread, page)


def thread_subtree(request, community_slug, thread_id, post_id):
    """The replies below a deep post ("Continue this thread")."""
    thread = selectors.thread_for_page(request.user, community_slug=community_slug, thread_id=thread_id)
    if thread is None:
        raise Http404("No such thread.")
    root = get_object_or_404(thread.posts.only("pk", "path", "depth"), pk=post_id)
    page = selectors.thread_page(thread=thread, user=request.user, root=root)
    return _render_thread(request, thread, page, root=root)


def _reply_refusal(user, thread, membership) -> tuple[str, bool]:
    """Why the page shows no reply form, and whether joining would fix it."""
    if thread.hidden_at is not None:
        return gettext("This thread is hidden, so nobody can reply."), False
    if thread.is_closed:
        return gettext("This thread is closed to new replies."), False
    if not user.is_authenticated:
        return gettext("Sign in or create an account to reply."), False
    if thread.is_locked:
        return gettext("This thread is locked: only coordinators can reply."), False
    return why_not_active(membership, action="reply")


class _Addresses:
    """The addresses a page of posts links to, built from one reverse() each instead of one
    {% url %} per post and button (a profile's once per author)."""

    def __init__(self):
        self.posts = reverse("discussions:post", kwargs={"post_id": 1}).removesuffix("1/")
        self._profiles: dict[str, str] = {}

    def profile(self, username: str) -> str:
        if username not in self._profiles:
            self._profiles[username] = reverse("members:profile", args=[username])
        return self._profiles[username]


def _decorate_for_template(user, membership, posts, *, can_reply, can_accept) -> None:
    """The per-post buttons the selector's flags do not cover (pure rules, no queries)."""
    addresses = _Addresses()
    signed_in = user.is_authenticated
    for post in posts:
        post.indent = min(post.depth, MAX_INDENT)
        # What `created_at|date:'c'` and `|naturaltime` write, without two filters per post.
        post.created_iso = date_format(localtime(post.created_at), "c")
        post.created_natural = naturaltime(post.created_at)
        post.url = f"{addresses.posts}{post.pk}/"
        post.author_url = addresses.profile(post.author.username) if post.author else ""
        post.can_see_revisions = signed_in and permissions.can_see_revisions(user, post, membership)
        post.can_reply_here = can_reply and not (post.is_deleted or post.is_hidden)
        post.can_accept = can_accept and not (post.is_opening or post.is_deleted or post.is_hidden)
        post.has_actions = post.can_reply_here or post.can_edit or post.can_flag or post.can_accept
        post.has_actions = post.has_actions or (post.can_moderate and not post.is_deleted)
        _with_reaction_buttons(post, posts_url=addresses.posts)


def _mark_read(user, thread, page, *, until) -> None:
    """Move the member's read position forward to `until`, knowing where it was (read with the
    thread): nothing when it is there already, one UPDATE when it is behind, the service
    (which creates it) on a first visit."""
    if not page.has_read_state:
        following.thread_mark_read(actor=user, thread=thread, until=until)
    elif page.last_read_at is None or page.last_read_at < until:
        behind = Q(last_read_at__lt=until) | Q(last_read_at=None)  # "only ever moves forward", as the service
        ThreadReadState.objects.filter(behind, thread=thread, user=user).update(last_read_at=until)


_KEY_PLACEHOLDER = "0" * 32  # where the blank reply form's submission key goes (a uuid4 is never zeros)


@lru_cache(maxsize=32)
def _blank_reply_form_html(language: str) -> str:
    """The reply box's fields, blank, as `{{ form }}` renders them, kept per language: the
    form's rendering (widgets, field templates) cost a millisecond a page, and with no draft
    it is a pure function of the language but for its submission key (put in per page)."""
    return str(ReplyForm(initial={"submission_key": _KEY_PLACEHOLDER, "body": ""}))


def _reply_form(draft):
    """The reply box's fields: a new submission key each page; the member's draft back in it."""
    if draft is not None:
        return ReplyForm(initial={"submission_key": new_submission_key(), "body": draft.body})
    html = _blank_reply_form_html(translation.get_language())
    return mark_safe(html.replace(_KEY_PLACEHOLDER, new_submission_key(), 1))  # noqa: S308 (a hex key)


_CSRF_PLACEHOLDER = "__csrf_token_placeholder__"  # where a kept fragment's CSRF token goes


@lru_cache(maxsize=256)
def _post_forms_html(*, language, can_reply, can_flag, can_moderate, reply_url, preview_url, draft_url, mention_url):
    """The page's one copy of the per-post reply, flag and hide forms (_post_forms.html, for
    post_actions.js), kept per language and everything it shows, with placeholders for the
    CSRF token and the submission key (put in per page): it cost a millisecond a page and is
    a pure function of these arguments (its template reads nothing else; keep it so)."""
    composer = {"draft_url": draft_url, "mention_url": mention_url, "draft": None} if draft_url else None
    context = {
        "can_reply": can_reply,
        "can_flag": can_flag,
        "can_moderate": can_moderate,
        "flag_reasons": FlagReason.choices if can_flag else (),
        "post_composer": composer,
        "reply_url": reply_url,
        "preview_url": preview_url,
        "post_reply_key": _KEY_PLACEHOLDER if can_reply else "",
        "csrf_token": _CSRF_PLACEHOLDER,
    }
    return get_template("discussions/partials/_post_forms.html").render(context)


def _post_forms(request, *, can_reply, can_flag, can_moderate, reply_url, preview_url, composer, reply_key) -> str:
    if not (can_reply or can_flag or can_moderate):
        return ""
    html = _post_forms_html(
        language=translation.get_language(),
        can_reply=can_reply,
        can_flag=can_flag,
        can_moderate=can_moderate,
        reply_url=reply_url,
        preview_url=preview_url,
        draft_url=composer["draft_url"] if composer else "",
        mention_url=composer["mention_url"] if composer else "",
    )
    html = html.replace(_CSRF_PLACEHOLDER, get_token(request)).replace(_KEY_PLACEHOLDER, reply_key)
    return mark_safe(html)  # noqa: S308 (our template's output; a token and a hex key put in)


_POST_ID = 987654321  # reverse() once with it, then put each post's id in its place


def _page_of_posts(request, thread, *, reply_url, preview_url, reply_key, signed_in) -> PageOfPosts:
    """How this page draws its posts (views._post_html): the addresses and the CSRF input its
    per-post forms share (one token for the page; only members get forms)."""
    subtree = reverse("discussions:subtree", args=[thread.community.slug, thread.pk, _POST_ID])
    head, _, tail = subtree.rpartition(str(_POST_ID))
    reply_form = get_template("discussions/partials/_post_reply_form.html")

    def render_reply_form(post, composer):
        context = {"post": post, "composer": composer, "reply_url": reply_url, "reply_key": reply_key}
        return reply_form.render({**context, "preview_url": preview_url}, request)

    return PageOfPosts(
        csrf=csrf_input(get_token(request)) if signed_in else "",
        reply_url=reply_url,
        subtree_url=head.replace("{", "{{").replace("}", "}}") + "{}" + tail.replace("{", "{{").replace("}", "}}"),
        render_reply_form=render_reply_form,
    )


def _render_thread(request, thread, page, *, root=None):
    user, membership = request.user, page.membership
    posts = [page.opening, *page.posts]
    can_reply = user.is_authenticated and permissions.can_reply(user, thread, membership)
    can_moderate = page.opening.can_moderate
    can_accept = user.is_authenticated and permissions.can_accept_answer(user, thread, membership)
    _decorate_for_template(user, membership, posts, can_reply=can_reply, can_accept=can_accept)
    accepted = None if root else selectors.accepted_answer(thread, posts)
    first_unread_url = None
    if page.first_unread is not None:
        on_this_page = any(post.pk == page.first_unread.pk for post in posts)
        # Elsewhere: its permalink finds the page (no query here for a link rarely followed).
        first_unread_url = f"#post-{page.first_unread.pk}" if on_this_page else page.first_unread.get_absolute_url()

    if user.is_authenticated:
        _mark_read(user, thread, page, until=max(post.created_at for post in posts))
    reply_refusal, offer_join = ("", False) if can_reply else _reply_refusal(user, thread, membership)
    # The reply boxes get the member's drafts back, autosave and @mention suggestions.
    composer = thread_composers(request, thread=thread, posts=posts) if can_reply else None
    draft = composer["draft"] if composer else None
    can_flag = any(post.can_flag for post in posts)
    reply_url = reverse("discussions:reply", args=[thread.community.slug, thread.pk])
    preview_url = reverse("discussions:preview") if can_reply else ""
    post_reply_key = new_submission_key() if can_reply else ""
    signed_in = user.is_authenticated
    drawn = _page_of_posts(
        request, thread, reply_url=reply_url, preview_url=preview_url, reply_key=post_reply_key, signed_in=signed_in
    )
    context = {
        "community": thread.community,
        "thread": thread,
        "tag_links": selectors.thread_tag_links(thread),
        "page": page,
        "page_obj": page.page,
        "opening": page.opening,
        "posts": page.posts,
        "opening_html": "" if root else drawn.post(page.opening),
        "posts_html": drawn.posts(page.posts),
        "root": root,
        "accepted": accepted,
        "first_unread_url": first_unread_url,
        "follow": page.follow,
        "can_reply": can_reply,
        "can_moderate": can_moderate,
        "can_edit_thread": request.user.is_authenticated
        and permissions.can_edit_thread(request.user, thread, page.membership),
        "reply_refusal": reply_refusal,
        "poll": None if root else poll_for_page(thread=thread, user=user, membership=membership),
        # What this thread led to in the library, and "Document this" (registered by resources).
        "backlinks": backlinks_for(thread, user),
        "follow_ups": follow_ups_for(thread, user),
        # The per-post forms, once for the page (post_actions.js attaches them on demand).
        "can_flag": can_flag,
        "offer_join": offer_join,
        "reply_form": _reply_form(draft) if can_reply else None,
        "post_forms_html": _post_forms(
            request,
            can_reply=can_reply,
            can_flag=can_flag,
            can_moderate=can_moderate,
            reply_url=reply_url,
            preview_url=preview_url,
            composer=composer,
            reply_key=post_reply_key,
        ),
        "reply_url": reply_url,
        "preview_url": preview_url,
        "composer": composer,
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


def post_revisions(request, post_id):
    """The earlier versions of a post, for its author and the coordinators (404 for others)."""
    post = _visible_post(request, post_id)
    membership = membership_of(request.user, post.thread.community)
    if not permissions.can_see_revisions(request.user, post, membership):
        raise Http404("No revisions to show.")
    return _post_page(
        request, "discussions/post_revisions.html", post, revisions=post.revisions.select_related("editor")
    )
