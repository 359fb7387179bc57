"""Private helpers several discussion views share: fetching through the visibility policy (404
for anything the viewer may not see), the refusal pages, running a service with a form's data,
and the small page about one post. Nothing here is a view."""

from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext

from communities.models import Community
from communities.permissions import can_view_content, why_not_active
from communities.services import membership_of
from communities.viewer_membership import community_with_membership

from .. import permissions, selectors
from ..forms import BODY_MAX_LENGTH
from ..models import PATH_STEP, Post, ReactionKind, Thread
from ..services import posting

# --- Fetching through the visibility policy ------------------------------------------------------


def _visible_community(request, slug) -> Community:
    return get_object_or_404(Community.objects.visible_to(request.user), slug=slug)


def _content_community(request, slug):
    """The community and the viewer's membership, when the viewer may read its content (a
    private community's discussions are a 404 for outsiders, like the threads themselves).
    Fetched by its slug alone: whoever may read a community's content (can_view_content:
    public, an active member, staff) may also know it exists (Community.objects.visible_to),
    so the visibility query's two subqueries would decide nothing; anyone else gets a 404
    either way. The membership comes in the same query (`community_with_membership`)."""
    community, membership = community_with_membership(request.user, slug)
    if community is None or not can_view_content(request.user, community, membership):
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


def _forbidden(request, community, message: str, *, offer_join: bool = False):
    context = {"community": community, "message": message, "offer_join": offer_join}
    return render(request, "discussions/forbidden.html", context, status=403)


def _refuse_posting(request, community, membership):
    message, offer_join = why_not_active(membership, action="post")
    return _forbidden(request, community, message, offer_join=offer_join)


def _preview_html(request) -> str | None:
    """The rendered body when a form was sent with its "Preview" button (no-JS preview)."""
    if "preview" not in request.POST:
        return None
    return posting.render_body(request.POST.get("body", "")[:BODY_MAX_LENGTH])[0]


def _typed(request) -> dict:
    """What the member typed, to re-show an unbound form (a preview shows no errors yet)."""
    return {key: value for key, value in request.POST.items() if key not in ("csrfmiddlewaretoken", "preview")}


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
    url: str


def _with_reaction_buttons(post: Post, *, posts_url: str = "") -> Post:
    """`post.reaction_buttons`, each with the address that toggles it. `posts_url` ("/posts/")
    saves a page of posts one reverse() per button."""
    posts_url = posts_url or reverse("discussions:post", kwargs={"post_id": 1}).removesuffix("1/")
    post.reaction_buttons = [
        ReactionButton(
            kind=kind,
            label=label,
            count=getattr(post, f"{kind}_count"),
            active=kind in post.my_reactions,
            url=f"{posts_url}{post.pk}/react/{kind}/",
        )
        for kind, label in ReactionKind.choices
    ]
    return post


def _require_edit(request, post) -> None:
    if not permissions.can_edit_post(request.user, post, membership_of(request.user, post.thread.community)):
        raise PermissionDenied(gettext("Only the author, while a member, and the coordinators can change this post."))
