"""Reads that assemble the discussion pages.

A thread page is a page of top-level replies, each with its whole subtree (down to the display
depth). Because a post's path starts with its ancestors' paths, the subtrees of a run of
consecutive top-level replies are exactly the paths between the first of them and the path
just after the last, so the page's posts are one ordered range query, whatever the thread's
size.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, Subquery, prefetch_related_objects
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from taggit.models import TaggedItem

from communities.models import Community
from communities.origins import Origin
from communities.services import membership_of, remember_membership
from communities.value.sources import SourceLink
from communities.viewer_membership import membership_read_with, with_viewer_membership
from cop_platform.compiled_queries import CompiledQuery
from members.models import User

from . import permissions
from .models import PATH_STEP, Post, PostAttachment, Reaction, ReactionKind, Thread, ThreadReadState
from .querysets import Seen, seen_in, thread_visible


def _listing_filters(threads, *, tag: str = "", unanswered: bool = False, kind: str = ""):
    """The thread list's filters. The tag is an EXISTS, not a join: no duplicate rows to remove
    with DISTINCT, so PostgreSQL can walk the listing index and stop after one page."""
    if tag:
        threads = threads.filter(
            Exists(
                TaggedItem.objects.filter(
                    content_type=ContentType.objects.get_for_model(Thread), object_id=OuterRef("pk"), tag__slug=tag
                )
            )
        )
    if unanswered:
        threads = threads.unanswered_questions()
    if kind:
        threads = threads.filter(kind=kind)
    return threads


def _with_last_read(threads, user):
    """Each member's read position (for the unread marker), in the same query."""
    if not user.is_authenticated:
        return threads
    return threads.annotate(
        last_read_at=Subquery(
            ThreadReadState.objects.filter(thread=OuterRef("pk"), user=user).values("last_read_at")[:1]
        )
    )


LISTING_ORDER = ("-is_pinned", "-last_activity_at", "-pk")


def threads_for_listing(*, community, user, tag: str = "", unanswered: bool = False, kind: str = ""):
    """The thread list: pinned first, then latest activity; with each member's read position
    annotated (for the unread marker) in the same query. Whole rows with their tags (the API
    and the community home use it); the page itself reads `thread_list_page`."""
    threads = Thread.objects.visible_to(user).filter(community=community).for_listing()
    threads = _listing_filters(threads, tag=tag, unanswered=unanswered, kind=kind)
    return _with_last_read(threads, user).order_by(*LISTING_ORDER)


def is_unread(thread) -> bool:
    last_read = getattr(thread, "last_read_at", None)
    return last_read is None or thread.last_activity_at > last_read


# What a row of the thread list shows: no search vector, no hidden reason, no author's profile.
LIST_ROW_FIELDS = (
    "community_id",
    "title",
    "author__username",
    "author__display_name",
    "kind",
    "is_pinned",
    "is_locked",
    "is_closed",
    "accepted_post_id",
    "hidden_at",
    "last_activity_at",
    "reply_count",
)
_PLACEHOLDER = "0-placeholder"  # reverse() once with it, then put each row's values in its place
URL_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted in a path argument


def _list_threads(shape, *, community, user=None, tag="", kind=""):
    """The thread list's threads in `community` as the viewer sees them, filtered, with each
    member's read position; `shape` = (what the viewer sees: `seen_in`, signed in,
    unanswered, and whether a tag and a kind filter apply)."""
    seen, signed_in, unanswered, by_tag, by_kind = shape
    threads = Thread.objects.seen_in_community(community, seen)
    threads = _listing_filters(threads, tag=tag if by_tag else "", unanswered=unanswered, kind=kind if by_kind else "")
    return _with_last_read(threads, user) if signed_in else threads


def _list_count_query(shape, **arguments):
    seen, _signed_in, *filters = shape  # the count needs no read positions
    threads = _list_threads((seen, False, *filters), **arguments)
    return threads.order_by().values("community_id").annotate(n=Count("*")).values_list("n", flat=True)


def _list_rows_query(shape_and_offset, **arguments):
    shape, offset = shape_and_offset
    rows = _list_threads(shape, **arguments).select_related("author").only(*LIST_ROW_FIELDS)
    if connection.vendor == "postgresql":  # the rows' tags in the same query (elsewhere: one more)
        rows = rows.annotate(tag_pairs=ArraySubquery(_tags_of(OuterRef("pk")).values(pair=_TAG_PAIR)))
    return rows.order_by(*LISTING_ORDER)[offset : offset + settings.PAGE_SIZE]


def _list_queries(*, by_tag, by_kind):
    """The count's and the rows' compiled queries for one set of filters."""
    filters = {**({"tag": str} if by_tag else {}), **({"kind": str} if by_kind else {})}
    return (
        CompiledQuery(_list_count_query, community=Community, **filters),
        CompiledQuery(_list_rows_query, community=Community, **filters),
        CompiledQuery(_list_rows_query, community=Community, user=User, **filters),
    )


# The thread list's count and rows (for visitors, for members), compiled once per process and
# shape, for each set of filters. A page's offset is part of its rows' shape (a slice is written
# into the SQL), so only the first pages, nearly all that is read, are compiled.
COMPILED_LIST_PAGES = 5
_LIST_QUERIES = {
    (by_tag, by_kind): _list_queries(by_tag=by_tag, by_kind=by_kind)
    for by_tag in (False, True)
    for by_kind in (False, True)
}


def thread_list_page(
    *, community, user, membership, page_number=None, tag: str = "", unanswered: bool = False, kind: str = ""
):
    """One page of the thread list of `community` (`membership`: the viewer's, or None), ready to
    render in a fixed number of queries (the count, the page's rows with their authors and, on
    PostgreSQL, their tags; elsewhere the tags in one more): each row carries `url`,
    `author_url`, `tag_links` ([(name, url)]) and `unread` (for a signed-in member), and shares
    `community`.

    The same rows as `threads_for_listing`, fetched narrower: only the columns the list shows,
    the tags of the whole page at once (not a query object per thread, as taggit's prefetch
    builds), and the addresses formatted from one reverse() each, not one per row. Both
    queries are compiled once per shape (cop_platform/compiled_queries.py); who sees what is
    `visible_in`'s rule, decided here in Python from the membership."""
    signed_in = user.is_authenticated
    seen = seen_in(community, user, membership)
    count = 0
    if seen is not Seen.NONE:
        shape = (seen, signed_in, bool(unanswered), bool(tag), bool(kind))
        count_query, visitor_rows, member_rows = _LIST_QUERIES[(bool(tag), bool(kind))]
        arguments = {"community": community, **({"tag": tag} if tag else {}), **({"kind": kind} if kind else {})}
        count = next(iter(count_query.run(shape, **arguments)), 0)
    page = Paginator(_Counted(count), settings.PAGE_SIZE).get_page(page_number)
    rows = []
    if count:
        offset = page.start_index() - 1
        member = {"user": user} if signed_in else {}
        if page.number <= COMPILED_LIST_PAGES:
            rows = (member_rows if signed_in else visitor_rows).run((shape, offset), **member, **arguments)
        else:  # a page far down the list: rarely read, not worth a compiled shape of its own
            rows = list(_list_rows_query((shape, offset), **member, **arguments))
    page.object_list = rows
    tags_of = defaultdict(list)
    if rows and connection.vendor == "postgresql":
        for row in rows:
            tags_of[row.pk] = [(pair["name"], pair["slug"]) for pair in row.tag_pairs or ()]
    elif rows:
        tagged = (
            TaggedItem.objects.filter(
                content_type=ContentType.objects.get_for_model(Thread), object_id__in=[row.pk for row in rows]
            )
            .order_by("pk")
            .values_list("object_id", "tag__name", "tag__slug")
        )
        for thread_id, name, slug in tagged:
            tags_of[thread_id].append((name, slug))
    thread_head, _, thread_tail = reverse(
        "discussions:thread", kwargs={"community_slug": community.slug, "thread_id": 0, "thread_slug": "placeholder"}
    ).rpartition(_PLACEHOLDER)
    profile_head, _, profile_tail = reverse("members:profile", kwargs={"username": _PLACEHOLDER}).rpartition(
        _PLACEHOLDER
    )
    list_url = reverse("discussions:list", kwargs={"community_slug": community.slug})
    for row in rows:
        row.community = community
        row.url = f"{thread_head}{row.pk}-{row.slug}{thread_tail}"
        author = row.author
        row.author_url = f"{profile_head}{quote(author.username, safe=URL_SAFE)}{profile_tail}" if author else ""
        row.tag_links = [(name, f"{list_url}?tag={quote(slug, safe='/')}") for name, slug in tags_of[row.pk]]
        row.unread = signed_in and is_unread(row)
    return page


@dataclass
class ThreadPage:
    thread: Thread
    opening: Post
    page: Page
    posts: list[Post]
    membership: object
    my_reactions: set[tuple[int, str]] = field(default_factory=set)
    first_unread: Post | None = None
    last_read_at: object = None
    display_depth: int = 6
    # The viewer's ThreadReadState as the thread's query read it (thread_for_page): whether
    # there is a row, and its follow level, so the page asks nothing more about it.
    has_read_state: bool = False
    follow: str = ""


def _successor(path: str) -> str:
    """The smallest path after `path` and all its descendants (same length, number + 1)."""
    head, last = path[:-PATH_STEP], int(path[-PATH_STEP:])
    return f"{head}{last + 1:0{PATH_STEP}d}"


def _top_path(number: int) -> str:
    return f"{number:0{PATH_STEP}d}"


# A post's columns the thread page shows (not its Markdown source, search vector or
# submission key), and its author's (not the profile text, its HTML or the search vector).
POST_FIELDS = (
    "id", "thread_id", "author_id", "parent_id", "path", "depth", "child_count", "is_opening", "body_html",
    "created_at", "edited_at", "deleted_at", "hidden_at", "hidden_reason",
    "helpful_count", "thanks_count", "agree_count",
)  # fmt: skip
AUTHOR_FIELDS = ("author__id", "author__username", "author__display_name", "author__is_active")


def page_number_of(post: Post) -> int:
    """Which page of its thread shows `post` (the page of its top-level ancestor), without a
    query: top-level paths are numbered 1 (the opening post), 2, 3... in posting order
    (posting._new_path), and posts are never removed from a thread, so the top-level reply
    numbered n is the (n - 1)th."""
    if post.is_opening:
        return 1
    return (int(post.path[:PATH_STEP]) - 2) // settings.THREAD_PAGE_SIZE + 1


def _thread_for_page_query(signed_in, *, thread_id, community_slug, user=None):
    threads = (
        Thread.objects.select_related("community", "author", "poll")
        .defer("search_vector", "community__search_vector", "author__search_vector", "author__bio", "author__bio_html")
        .filter(pk=thread_id, community__slug=community_slug)
        .order_by()
    )
    if connection.vendor == "postgresql":  # its tags in the same query (elsewhere: thread_tag_links asks)
        threads = threads.annotate(tag_pairs=ArraySubquery(_tags_of(OuterRef("pk")).values(pair=_TAG_PAIR)))
    if signed_in:
        # The member's read state joined (one row at most: one per thread and member).
        threads = threads.annotate(
            my_state=FilteredRelation("read_states", condition=Q(read_states__user=user)),
            read_state_id=F("my_state__id"),
            last_read_at=F("my_state__last_read_at"),
            follow_level=F("my_state__follow"),
        ).annotate(
            first_unread_id=Subquery(
                Post.objects.filter(thread=OuterRef("pk"), created_at__gt=OuterRef("last_read_at"))
                .exclude(author=user)
                .order_by("created_at")
                .values("pk")[:1]
            ),
        )
        threads = with_viewer_membership(threads, user, path="community__memberships")
    return threads


# Compiled once per process (cop_platform/compiled_queries.py): building and compiling this
# query cost Django about 4 ms a page, five times what PostgreSQL takes to run it.
_THREAD_FOR_MEMBER = CompiledQuery(_thread_for_page_query, thread_id=int, community_slug=str, user=User)
_THREAD_FOR_VISITOR = CompiledQuery(_thread_for_page_query, thread_id=int, community_slug=str)


def thread_for_page(user, *, community_slug, thread_id) -> Thread | None:
    """The thread (with its community, author and poll) if `user` may see it in the community
    `community_slug`, and, for a member, their membership of the community, read position,
    follow level and first unread post in the same query. None when it is not there (moved,
    hidden, gone).

    Whether `user` may see it is decided in Python from the row and the viewer's membership
    (`thread_visible`, the rule of `visible_in`), which the page reads anyway: the query has
    no community subqueries, which cost PostgreSQL more to plan than to run and Django more to
    build than both. The membership is remembered for the request (`membership_of`)."""
    signed_in = user is not None and user.is_authenticated
    if signed_in:
        thread = _THREAD_FOR_MEMBER.first(True, thread_id=thread_id, community_slug=community_slug, user=user)
    else:
        thread = _THREAD_FOR_VISITOR.first(False, thread_id=thread_id, community_slug=community_slug)
    if thread is None:
        return None
    membership = membership_read_with(thread, user, thread.community) if signed_in else None
    if not thread_visible(thread, user, membership):
        return None
    if signed_in:
        remember_membership(user, thread.community, membership)
    thread.read_for_page = True  # its last_post_number is fresh: thread_page counts on it
    return thread


def accepted_answer(thread: Thread, posts) -> Post | None:
    """The thread's accepted answer: among the page's `posts` if it is there, else read (not
    joined to every thread page's query for the pages of a question that do not show it)."""
    if not thread.accepted_post_id:
        return None
    found = next((post for post in posts if post.pk == thread.accepted_post_id), None)
    if found is None:
        found = (
            Post.objects.select_related("author")
            .only(*POST_FIELDS, *AUTHOR_FIELDS)
            .filter(pk=thread.accepted_post_id)
            .first()
        )
    return found


def _tags_of(thread_id):
    return TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Thread), object_id=thread_id
    ).order_by("pk")


_TAG_PAIR = JSONObject(name="tag__name", slug="tag__slug")


def thread_tag_links(thread: Thread) -> list[tuple[str, str]]:
    """The thread's topic tags as (name, address of the thread list filtered by it): read with
    the thread by `thread_for_page` on PostgreSQL, else one narrow values query (taggit's
    `thread.tags.all` builds a manager and reads whole rows, DISTINCT)."""
    pairs = getattr(thread, "tag_pairs", None)
    if pairs is not None:
        tagged = [(pair["name"], pair["slug"]) for pair in pairs]
    else:
        tagged = _tags_of(thread.pk).values_list("tag__name", "tag__slug")
    list_url = reverse("discussions:list", kwargs={"community_slug": thread.community.slug})
    return [(name, f"{list_url}?tag={quote(slug, safe='/')}") for name, slug in tagged]


REACTION_KINDS = frozenset(ReactionKind.values)
OPENING_PATH = f"{1:0{PATH_STEP}d}"  # a thread's first post is its first top-level one


def _opening(rows: list[Post], posts_in_thread) -> Post:
    """The opening post among `rows` (found by its path), or, for a thread written some other
    way, asked for."""
    opening = next((post for post in rows if post.is_opening), None)
    return opening if opening is not None else posts_in_thread.get(is_opening=True)


class _Counted:
    """A sequence of `count` top-level replies for Paginator, which only asks its length and
    slices it: the page's paths come from the numbers, not from a query."""

    def __init__(self, count: int):
        self.count = max(count, 0)

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        return range(self.count)[index]


def _with_my_reaction_kinds(posts, user):
    """Each post with the kinds of reaction `user` gave it. On PostgreSQL one array subquery
    (one to build and plan, not one per kind); other databases (SQLite, `make run`) have no
    ARRAY(), so there it is one EXISTS per kind."""
    mine = Reaction.objects.filter(post=OuterRef("pk"), user=user)
    if connection.vendor == "postgresql":
        return posts.annotate(my_kinds=ArraySubquery(mine.values("kind")))
    return posts.annotate(**{f"mine_{kind}": Exists(mine.filter(kind=kind)) for kind in REACTION_KINDS})


def _my_kinds(post) -> list[str]:
    if hasattr(post, "my_kinds"):
        return post.my_kinds or []
    return [kind for kind in REACTION_KINDS if getattr(post, f"mine_{kind}")]


def _posts_for_page(signed_in, *, thread, user=None):
    """A thread's posts as its pages show them: whether each has files rides along with it (a
    page without any asks nothing more) and, for a member, their own reactions."""
    posts = (
        Post.objects.filter(thread=thread)
        .select_related("author")
        .only(*POST_FIELDS, *AUTHOR_FIELDS)
        .annotate(has_attachments=Exists(PostAttachment.objects.filter(post=OuterRef("pk"))))
    )
    return _with_my_reaction_kinds(posts, user) if signed_in else posts


def _page_rows_query(signed_in, *, thread, first_path, next_path, display_depth, user=None):
    # The opening post by its path (1), not by is_opening: both halves then read the
    # (thread, path) index, and a long thread's page is two short index ranges.
    return (
        _posts_for_page(signed_in, thread=thread, user=user)
        .filter(Q(path=OPENING_PATH) | Q(path__gte=first_path, path__lt=next_path, depth__lte=display_depth))
        .order_by("path")
    )


# Compiled once per process (cop_platform/compiled_queries.py), like the thread's own query.
_PAGE_ROWS_FOR_MEMBER = CompiledQuery(
    _page_rows_query, thread=Thread, first_path=str, next_path=str, display_depth=int, user=User
)
_PAGE_ROWS_FOR_VISITOR = CompiledQuery(
    _page_rows_query, thread=Thread, first_path=str, next_path=str, display_depth=int
)


def thread_page(*, thread: Thread, user, page_number=1, root: Post | None = None, membership=None) -> ThreadPage:
    """One page of a thread, or (with `root`) the subtree below one deep post: the opening
    post and the page's posts in one query (with whether each has files and, for a member,
    their own reactions), whatever the thread's size or the page's number."""
    display_depth = settings.THREAD_DISPLAY_DEPTH
    signed_in = user.is_authenticated
    member = {"user": user} if signed_in else {}
    if root is None:
        if not getattr(thread, "read_for_page", False):  # a Thread from elsewhere may be stale
            thread.last_post_number = Thread.objects.values_list("last_post_number", flat=True).get(pk=thread.pk)
        # Top-level replies are numbered 2, 3... (1 is the opening post): the page's subtrees
        # lie between the paths of its first reply and of the next page's first reply.
        size = settings.THREAD_PAGE_SIZE
        page = Paginator(_Counted(thread.last_post_number - 1), size).get_page(page_number)
        first = 2 + (page.number - 1) * size
        rows = (_PAGE_ROWS_FOR_MEMBER if signed_in else _PAGE_ROWS_FOR_VISITOR).run(
            signed_in,
            thread=thread,
            first_path=_top_path(first),
            next_path=_top_path(first + size),
            display_depth=display_depth,
            **member,
        )
        opening = next((post for post in rows if post.is_opening), None)
        if opening is None:  # a thread written some other way than the services do
            opening = _opening(rows, _posts_for_page(signed_in, thread=thread, **member))
        posts = [post for post in rows if not post.is_opening]
    else:
        page = Paginator([root.path], 1).get_page(1)
        max_depth = root.depth + display_depth
        posts_in_thread = _posts_for_page(signed_in, thread=thread, **member)
        rows = list(
            posts_in_thread.filter(Q(path=OPENING_PATH) | Q(path__startswith=root.path, depth__lte=max_depth)).order_by(
                "path"
            )
        )
        opening = _opening(rows, posts_in_thread)
        posts = [post for post in rows if not post.is_opening or post.pk == root.pk]
        for post in posts:
            post.depth -= root.depth  # indent relative to the subtree's root
    if membership is None:
        membership = membership_of(user, thread.community)
    result = ThreadPage(
        thread=thread, opening=opening, page=page, posts=posts, membership=membership, display_depth=display_depth
    )
    prefetch_related_objects([post for post in (opening, *posts) if post.has_attachments], "attachments")
    if signed_in:
        result.my_reactions = {(post.pk, kind) for post in rows for kind in _my_kinds(post) if kind in REACTION_KINDS}
        if hasattr(thread, "read_state_id"):  # read with the thread (thread_for_page)
            result.has_read_state = thread.read_state_id is not None
            result.last_read_at = thread.last_read_at
            result.follow = thread.follow_level or ""
            if thread.first_unread_id is not None:
                result.first_unread = Post(pk=thread.first_unread_id, thread=thread)
        else:
            state = ThreadReadState.objects.filter(thread=thread, user=user).values("last_read_at", "follow").first()
            if state is not None:
                result.has_read_state = True
                result.last_read_at, result.follow = state["last_read_at"], state["follow"] or ""
            if result.last_read_at is not None:
                result.first_unread = (
                    Post.objects.filter(thread=thread, created_at__gt=result.last_read_at)
                    .exclude(author=user)
                    .order_by("created_at")
                    .only("pk")
                    .first()
                )
    _decorate(result, user)
    return result


def _decorate(result: ThreadPage, user) -> None:
    """Per-post flags the template needs, computed here so it asks no questions itself."""
    membership, thread = result.membership, result.thread
    signed_in = user.is_authenticated
    can_moderate = signed_in and permissions.can_moderate(user, thread.community, membership)
    mine: dict[int, set[str]] = {}
    for post_id, kind in result.my_reactions:
        mine.setdefault(post_id, set()).add(kind)
    for post in [result.opening, *result.posts]:
        post.thread = thread  # the rules look at post.thread: share the one row, no query per post
        post.show_text = not post.is_hidden or permissions.can_see_hidden_post(user, post, membership)
        post.can_edit = signed_in and permissions.can_edit_post(user, post, membership)
        post.can_react = signed_in and permissions.can_react(user, post, membership)
        post.can_flag = signed_in and permissions.can_flag(user, post, membership)
        post.can_moderate = can_moderate
        post.is_accepted = thread.accepted_post_id == post.pk
        post.continues = post.depth >= result.display_depth and post.child_count > 0
        post.my_reactions = mine.get(post.pk, set())
        post.is_unread = (
            result.last_read_at is not None and post.created_at > result.last_read_at and post.author_id != user.pk
        )


def community_home_section(community, user) -> dict:
    """The "Latest discussions" section of a community's home page."""
    # The section shows no tags: without their prefetch, one query fewer on the community page.
    threads = list(threads_for_listing(community=community, user=user).prefetch_related(None)[:5])
    return {
        "community": community,
        "threads": threads,
        "can_start": user.is_authenticated
        and permissions.can_start_thread(user, community, membership_of(user, community)),
    }


def thread_as_origin(user, thread_id: int) -> Origin | None:
    """A thread as the origin of a documented practice ("Document this"), if `user` may see it."""
    thread = Thread.objects.visible_to(user).select_related("community", "accepted_post").filter(pk=thread_id).first()
    if thread is None:
        return None
    answer = thread.accepted_post
    usable_answer = answer is not None and not answer.is_deleted and not answer.is_hidden
    return Origin(
        object=thread,
        title=thread.title,
        url=thread.get_absolute_url(),
        community=thread.community,
        tags=list(thread.tags.names()),
        excerpt=answer.body if usable_answer else "",
    )


def threads_as_story_sources(user, ids: list[int]) -> dict[int, SourceLink]:
    """Threads a value-creation story can name ("This helped me"), for those of `ids` that
    `user` may see now (one query)."""
    threads = (
        Thread.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("community")
        .only("pk", "title", "community__slug", "community_id")
    )
    return {t.pk: SourceLink(t.title, t.get_absolute_url(), t.community_id, "discussion") for t in threads}
