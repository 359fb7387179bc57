"""Endpoint pages: /c/<slug>/webhooks/ for a community's coordinators, /settings/webhooks/
for staff's site-wide endpoints. The same views serve both; `slug` None means site-wide.

A community the viewer may not see is a 404; a visible one they do not coordinate is a 403
(so is the staff page for anyone else); endpoints are only ever looked up within their scope.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from communities.models import Community

from . import services
from .forms import EndpointForm
from .models import Endpoint
from .permissions import can_manage_endpoints

RECENT_DELIVERIES = 25
ACTIONS = {
    "ping": (services.endpoint_ping, _lazy("A test ping is on its way; its result appears below.")),
    "rotate": (services.endpoint_rotate_secret, _lazy("The endpoint has a new secret. Update your receiver now.")),
    "enable": (services.endpoint_enable, _lazy("The endpoint is enabled again.")),
}


def _scope(request, slug):
    """The community (or None for site-wide) whose endpoints the viewer manages, or refusal."""
    community = None
    if slug is not None:
        community = get_object_or_404(Community.objects.visible_to(request.user), slug=slug)
    if not can_manage_endpoints(request.user, community):
        raise PermissionDenied
    return community


def _endpoints(community):
    return Endpoint.objects.filter(community=community).select_related("created_by")


def _url(name: str, community, **kwargs) -> str:
    if community is None:
        return reverse(f"webhooks:site_{name}", kwargs=kwargs)
    return reverse(f"webhooks:{name}", kwargs={"slug": community.slug, **kwargs})


def _context(community, **extra) -> dict:
    return {
        "community": community,
        "list_url": _url("list", community),
        "new_url": _url("new", community),
        **extra,
    }


def _endpoint_context(community, endpoint, **extra) -> dict:
    return _context(
        community,
        endpoint=endpoint,
        detail_url=_url("detail", community, endpoint_id=endpoint.pk),
        edit_url=_url("edit", community, endpoint_id=endpoint.pk),
        delete_url=_url("delete", community, endpoint_id=endpoint.pk),
        ping_url=_url("action", community, endpoint_id=endpoint.pk, action="ping"),
        rotate_url=_url("action", community, endpoint_id=endpoint.pk, action="rotate"),
        enable_url=_url("action", community, endpoint_id=endpoint.pk, action="enable"),
        **extra,
    )


@login_required
def endpoint_list(request, slug=None):
    community = _scope(request, slug)
    endpoints = [
        {"endpoint": endpoint, "url": _url("detail", community, endpoint_id=endpoint.pk)}
        for endpoint in _endpoints(community)
    ]
    return render(request, "webhooks/list.html", _context(community, endpoints=endpoints))


def _save(request, community, form, endpoint=None):
    fields = {name: form.cleaned_data[name] for name in ("url", "events", "description")}
    try:
        if endpoint is None:
            return services.endpoint_create(actor=request.user, community=community, **fields)
        return services.endpoint_update(actor=request.user, endpoint=endpoint, **fields)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None


@login_required
def endpoint_new(request, slug=None):
    community = _scope(request, slug)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = _save(request, community, form)
        if endpoint is not None:
            messages.success(request, _("Endpoint added. Copy its secret to your receiver to verify deliveries."))
            return redirect(_url("detail", community, endpoint_id=endpoint.pk))
    return render(request, "webhooks/form.html", _context(community, form=form, endpoint=None))


@login_required
def endpoint_detail(request, endpoint_id, slug=None):
    community = _scope(request, slug)
    endpoint = get_object_or_404(_endpoints(community), pk=endpoint_id)
    deliveries = endpoint.deliveries.order_by("-created_at")[:RECENT_DELIVERIES]
    return render(request, "webhooks/detail.html", _endpoint_context(community, endpoint, deliveries=deliveries))


@login_required
def endpoint_edit(request, endpoint_id, slug=None):
    community = _scope(request, slug)
    endpoint = get_object_or_404(_endpoints(community), pk=endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _save(request, community, form, endpoint) is not None:
            messages.success(request, _("Endpoint saved."))
            return redirect(_url("detail", community, endpoint_id=endpoint.pk))
    return render(request, "webhooks/form.html", _endpoint_context(community, endpoint, form=form))


@login_required
def endpoint_delete(request, endpoint_id, slug=None):
    community = _scope(request, slug)
    endpoint = get_object_or_404(_endpoints(community), pk=endpoint_id)
    if request.method == "POST":
        services.endpoint_delete(actor=request.user, endpoint=endpoint)
        messages.success(request, _("Endpoint deleted."))
        return redirect(_url("list", community))
    return render(request, "webhooks/delete.html", _endpoint_context(community, endpoint))


@login_required
@require_POST
def endpoint_action(request, endpoint_id, action, slug=None):
    community = _scope(request, slug)
    endpoint = get_object_or_404(_endpoints(community), pk=endpoint_id)
    if action not in ACTIONS:
        raise Http404
    service, done = ACTIONS[action]
    try:
        service(actor=request.user, endpoint=endpoint)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(_url("detail", community, endpoint_id=endpoint.pk))


def community_section(community, user) -> dict | None:
    """The community page's "Webhooks" card (communities.sections), for its coordinators."""
    if user is None or not user.is_authenticated or not can_manage_endpoints(user, community):
        return None
    return {"url": reverse("webhooks:list", kwargs={"slug": community.slug}), "count": _endpoints(community).count()}
