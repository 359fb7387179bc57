"""Private helpers the library's views share: fetching through the visibility policy (an
outsider gets the same 404 whatever the address, the method or whether they are signed in),
the refusal pages, and running a service with a form's data. Nothing here is a view."""

from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render

from communities.forms import submit_form
from communities.models import Community
from communities.permissions import can_view_content, why_not_active
from communities.services import membership_of

from ..forms import CHOOSE_AGAIN
from ..models import Resource, ResourceKind

READ = ("GET", "HEAD")
WRITE = ("GET", "POST")

# --- Fetching through the visibility policy ------------------------------------------------------


def _content_community(request, slug):
    """The community and the viewer's membership, when the viewer may read its content."""
    community = get_object_or_404(Community.objects.visible_to(request.user), slug=slug)
    membership = membership_of(request.user, community)
    if not can_view_content(request.user, community, membership):
        raise Http404("No library to show.")
    return community, membership


def _visible_resource(request, slug, resource_id):
    community, membership = _content_community(request, slug)
    resource = get_object_or_404(
        Resource.objects.visible_to(request.user).select_related("author", "owner", "current_version"),
        pk=resource_id,
        community=community,
    )
    resource.community = community  # the row already fetched: no query for links and rules
    return resource, membership


def _gate(request, methods):
    """After the visibility check: the method, then sign-in (None when both are fine)."""
    if request.method not in methods:
        return HttpResponseNotAllowed(methods)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def _file_resource(request, community_slug, resource_id):
    resource, membership = _visible_resource(request, community_slug, resource_id)
    if resource.kind != ResourceKind.FILE:
        raise Http404("Only uploaded files have versions.")
    return resource, membership


# --- Refusals ------------------------------------------------------------------------------------


def _forbidden(request, community, message: str, *, offer_join: bool = False):
    context = {"community": community, "message": message, "offer_join": offer_join}
    return render(request, "resources/forbidden.html", context, status=403)


def _refuse_adding(request, community, membership):
    """Why a signed-in person may not add to this library, and a way in when joining helps."""
    message, offer_join = why_not_active(membership, action="add to its library")
    return _forbidden(request, community, message, offer_join=offer_join)


# --- Forms ---------------------------------------------------------------------------------------


def _typed(request) -> dict:
    """What the member typed, to re-show an unbound form (a preview shows no errors yet)."""
    return {key: value for key, value in request.POST.items() if key not in ("csrfmiddlewaretoken", "preview")}


def _submit(form, write):
    """`submit_form`, and a word beside the file input when it refused."""
    result = submit_form(form, write)
    if result is None and "upload" in form.fields:
        # Browsers never refill a file input: say so beside it.
        field = form["upload"]  # the cached bound field the page renders
        field.help_text = f"<strong>{CHOOSE_AGAIN}</strong> {field.help_text}"
    return result


def _form_page(request, template, context, form):
    return render(request, template, {**context, "form": form}, status=400 if form.errors else 200)


def _safe_href(url: str) -> str:
    """`url` if a browser may follow it from our pages (http(s) or a path on this site)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https") or (not scheme and url.startswith("/") and not url.startswith("//")):
        return url
    return ""
