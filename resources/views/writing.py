"""Writing to the library: adding a file, a link or a practice (and "Document this" from a
thread), editing, deleting, curating, and file versions. A refused write comes back with the
reason (403 page) or with its errors next to the fields and everything typed kept."""

from copy import copy
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from communities.origins import resolve_origin
from cop_platform.markdown import render_markdown

from .. import permissions, services
from ..forms import EDIT_FORMS, NEW_FORMS, PRACTICE_HEADINGS, VersionForm, practice_template, tags_as_text
from ..models import ResourceKind
from ._shared import (
    WRITE,
    _content_community,
    _file_resource,
    _forbidden,
    _form_page,
    _gate,
    _refuse_adding,
    _safe_href,
    _submit,
    _typed,
    _visible_resource,
)

REVIEW_AFTER = timedelta(days=365)
CURATE_ACTIONS = {
    "feature": (
        services.resource_set_featured,
        {"featured": True},
        gettext_lazy("It is featured at the top of the library."),
    ),
    "unfeature": (services.resource_set_featured, {"featured": False}, gettext_lazy("It is no longer featured.")),
    "archive": (
        services.resource_set_archived,
        {"archived": True},
        gettext_lazy("It is archived: out of the library's list."),
    ),
    "unarchive": (services.resource_set_archived, {"archived": False}, gettext_lazy("It is back in the library.")),
}

# --- Adding --------------------------------------------------------------------------------------


def _markdown_text(text: str) -> str:
    """`text` with Markdown's punctuation escaped, to place a title inside a link's words."""
    return "".join(f"\\{ch}" if ch in "\\`*_{}[]()<>#+-.!|~" else ch for ch in text)


def _origin(request, community):
    """The thing being documented (`?origin=thread:<id>`), seen through its own app's
    visibility policy: a 404 if the viewer may not see it or it belongs elsewhere."""
    raw = request.GET.get("origin", "")
    if not raw:
        return None, ""
    kind, _, object_id = raw.partition(":")
    if not (object_id.isascii() and object_id.isdigit() and len(object_id) <= 18):
        raise Http404("Nothing to document.")
    origin = resolve_origin(kind, int(object_id), request.user)
    if origin is None or getattr(origin.community, "pk", None) != community.pk:
        raise Http404("Nothing to document.")
    return origin, raw


def _new_initial(request, kind, origin) -> dict:
    if kind != ResourceKind.PRACTICE:
        return {}
    initial = {"body": practice_template(), "owner": request.user.pk, "review_by": timezone.localdate() + REVIEW_AFTER}
    if origin is not None:
        source = f"\n- {origin.label}: [{_markdown_text(origin.title)}]({request.build_absolute_uri(origin.url)})\n"
        body = practice_template() + source
        if origin.excerpt:
            # A question's accepted answer is where "what worked" usually starts.
            quoted = "\n".join(f"> {line}" if line else ">" for line in origin.excerpt.splitlines())
            worked = f"## {PRACTICE_HEADINGS['worked']}\n"
            lead = gettext("From the accepted answer:")
            body = body.replace(worked, f"{worked}\n{lead}\n\n{quoted}\n", 1)
        initial.update(title=f"Practice: {origin.title}"[:200], tags=tags_as_text(origin.tags), body=body)
    return initial


def resource_new(request, community_slug):
    """Add a file, a link or a documented practice (`?kind=`); with `?origin=thread:<id>`,
    document a discussion: a practice prefilled from the thread that links back to it."""
    community, membership = _content_community(request, community_slug)
    if refusal := _gate(request, WRITE):
        return refusal
    origin, raw_origin = _origin(request, community)
    if not permissions.can_add_resource(request.user, community, membership):
        return _refuse_adding(request, community, membership)
    kind = ResourceKind.PRACTICE if origin is not None else request.GET.get("kind", "")
    if kind not in NEW_FORMS:
        return render(request, "resources/new_choose.html", {"community": community, "kinds": ResourceKind.choices})
    form_class, form_kwargs = NEW_FORMS[kind], {"community": community, "user": request.user}
    preview_html = None
    if request.method == "GET":
        form = form_class(initial=_new_initial(request, kind, origin), **form_kwargs)
    elif kind == ResourceKind.PRACTICE and "preview" in request.POST:
        form = form_class(initial=_typed(request), **form_kwargs)
        preview_html = render_markdown(request.POST.get("body", ""))
    else:
        form = form_class(request.POST, request.FILES, **form_kwargs)
        try:
            resource = _submit(
                form,
                lambda data: services.resource_create(
                    actor=request.user, community=community, kind=kind, origin=origin, **data
                ),
            )
        except PermissionDenied:
            return _refuse_adding(request, community, membership)
        if resource is not None:
            messages.success(request, gettext("It is in the library now."))
            return redirect(resource)
    query = {"kind": kind, **({"origin": raw_origin} if raw_origin else {})}
    context = {
        "community": community,
        "kind": kind,
        "kind_label": ResourceKind(kind).label,
        "origin": origin,
        "origin_href": _safe_href(origin.url) if origin else "",
        "action": f"{reverse('resources:new', args=[community.slug])}?{urlencode(query)}",
        "preview_html": preview_html,
    }
    return _form_page(request, "resources/resource_form.html", context, form)


# --- A resource ----------------------------------------------------------------------------------


def edit(request, community_slug, resource_id):
    """Change a resource's description (a link's address, a practice's text and review date)."""
    resource, membership = _visible_resource(request, community_slug, resource_id)
    if refusal := _gate(request, WRITE):
        return refusal
    if not permissions.can_edit_resource(request.user, resource, membership):
        return _forbidden(request, resource.community, gettext("Only the author and the coordinators can edit this."))
    form_class = EDIT_FORMS[resource.kind]
    form_kwargs = {"community": resource.community, "user": request.user}
    preview_html = None
    if request.method == "GET":
        initial = {name: getattr(resource, name) for name in form_class.base_fields if name != "tags"}
        form = form_class(initial={**initial, "tags": list(resource.tags.all())}, **form_kwargs)
    elif resource.kind == ResourceKind.PRACTICE and "preview" in request.POST:
        form = form_class(initial=_typed(request), **form_kwargs)
        preview_html = render_markdown(request.POST.get("body", ""))
    else:
        form = form_class(request.POST, **form_kwargs)
        try:
            updated = _submit(
                # A copy: a refused edit must not change the title the page shows.
                form,
                lambda data: services.resource_update(actor=request.user, resource=copy(resource), **data),
            )
        except PermissionDenied as error:
            return _forbidden(request, resource.community, str(error))
        if updated is not None:
            messages.success(request, gettext("Your changes are saved."))
            return redirect(resource)
    context = {"community": resource.community, "resource": resource, "preview_html": preview_html}
    return _form_page(request, "resources/edit.html", context, form)


def delete(request, community_slug, resource_id):
    """GET asks to confirm (for browsers without JavaScript); POST deletes it and its files."""
    resource, membership = _visible_resource(request, community_slug, resource_id)
    if refusal := _gate(request, WRITE):
        return refusal
    community = resource.community
    if not permissions.can_delete_resource(request.user, resource, membership):
        return _forbidden(request, community, gettext("Only the author and the coordinators can delete this."))
    if request.method == "POST":
        title = resource.title
        try:
            services.resource_delete(actor=request.user, resource=resource)
        except PermissionDenied as error:
            return _forbidden(request, community, str(error))
        messages.success(request, gettext("“%(title)s” is deleted from the library.") % {"title": title})
        return redirect("resources:library", community_slug=community.slug)
    can_curate = permissions.can_curate(request.user, community, membership)
    return render(
        request, "resources/delete.html", {"community": community, "resource": resource, "can_curate": can_curate}
    )


def curate(request, community_slug, resource_id):
    """Feature, unfeature, archive or bring back (coordinators)."""
    resource, membership = _visible_resource(request, community_slug, resource_id)
    if refusal := _gate(request, ("POST",)):
        return refusal
    action = request.POST.get("action", "")
    if action not in CURATE_ACTIONS:
        return HttpResponseBadRequest("Unknown action.")
    write, arguments, notice = CURATE_ACTIONS[action]
    try:
        write(actor=request.user, resource=resource, **arguments)
    except PermissionDenied as error:
        return _forbidden(request, resource.community, str(error))
    messages.success(request, notice)
    return redirect(resource)


def mark_reviewed(request, community_slug, resource_id):
    """The practice still holds: its next review is a year away (its owner, author, coordinators)."""
    resource, _ = _visible_resource(request, community_slug, resource_id)
    if refusal := _gate(request, ("POST",)):
        return refusal
    try:
        services.practice_mark_reviewed(actor=request.user, resource=resource)
    except PermissionDenied as error:
        return _forbidden(request, resource.community, str(error))
    except ValidationError:
        raise Http404("Only documented practices have a review date.")
    due = date_format(resource.review_by, "j F Y")
    messages.success(request, gettext("Marked reviewed: the next review is due by %(date)s.") % {"date": due})
    return redirect(resource)


# --- Versions ------------------------------------------------------------------------------------


def version_new(request, community_slug, resource_id):
    """Upload a new version: it becomes the current one, the older ones stay downloadable."""
    resource, membership = _file_resource(request, community_slug, resource_id)
    if refusal := _gate(request, WRITE):
        return refusal
    if not permissions.can_edit_resource(request.user, resource, membership):
        return _forbidden(
            request, resource.community, gettext("Only the author and the coordinators can upload a new version.")
        )
    if request.method == "POST":
        form = VersionForm(request.POST, request.FILES)
        try:
            version = _submit(
                form,
                lambda data: services.version_add(
                    actor=request.user, resource=resource, upload=data["upload"], note=data["note"]
                ),
            )
        except PermissionDenied as error:
            return _forbidden(request, resource.community, str(error))
        if version is not None:
            messages.success(
                request,
                gettext("Version %(number)s is uploaded; earlier versions stay available.")
                % {"number": version.number},
            )
            return redirect(resource)
    else:
        form = VersionForm()
    return _form_page(
        request, "resources/version_form.html", {"community": resource.community, "resource": resource}, form
    )


def version_delete(request, community_slug, resource_id, version_number):
    resource, membership = _file_resource(request, community_slug, resource_id)
    version = get_object_or_404(resource.versions, number=version_number)
    if refusal := _gate(request, ("POST",)):
        return refusal
    version.resource = resource
    try:
        services.version_delete(actor=request.user, version=version)
    except PermissionDenied as error:
        return _forbidden(request, resource.community, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("Version %(number)s is deleted.") % {"number": version_number})
    return redirect(resource)
