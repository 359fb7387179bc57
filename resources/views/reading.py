"""Reading the library: the list with its filters and a resource's page."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from taggit.models import Tag

from .. import permissions, selectors, services
from ..forms import LibraryFilterForm
from ..models import Resource, ResourceKind
from ._shared import READ, _content_community, _safe_href, _visible_resource

MAX_FILTER_TAGS = 100


def _query_without(request, *names) -> str:
    """The current filters, urlencoded, without `names` and empty values (for links)."""
    query = request.GET.copy()
    for name in [*names, *(key for key, value in query.items() if not value)]:
        query.pop(name, None)
    return query.urlencode()


def _library_tags(community):
    """The tags used in this library, most used first (for the filter's choices)."""
    return (
        Tag.objects.filter(
            taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(Resource),
            taggit_taggeditem_items__object_id__in=Resource.objects.filter(community=community).values("pk"),
        )
        .annotate(uses=Count("taggit_taggeditem_items"))
        .order_by("-uses", "name")[:MAX_FILTER_TAGS]
    )


def _library_languages(community):
    return Resource.objects.filter(community=community).order_by().values_list("language", flat=True).distinct()


def library(request, community_slug):
    """Featured first, then newest (or most downloaded, or recently updated); filtered by type,
    tag and language, searched by title, text or file name. The filter bar is a GET form; with
    htmx it swaps only the results."""
    community, membership = _content_community(request, community_slug)
    if request.method not in READ:
        return HttpResponseNotAllowed(READ)
    filter_form = LibraryFilterForm(
        request.GET or None, tags=_library_tags(community), languages=_library_languages(community)
    )
    filters = filter_form.filters()
    resources = selectors.library(community=community, user=request.user, **filters)
    page_obj = Paginator(resources, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for resource in page_obj:
        resource.community = community
    context = {
        "community": community,
        "filter_form": filter_form,
        "page_obj": page_obj,
        "query": _query_without(request, "page"),
        "filtered": any(value for name, value in filters.items() if name != "sort"),
        "archived": filters.get("archived", False),
        "can_add": request.user.is_authenticated and permissions.can_add_resource(request.user, community, membership),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "resources/partials/_library_results.html" if partial else "resources/library.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def detail(request, community_slug, resource_id):
    """Everything about one resource: description, link, practice text or file versions, where
    it came from, and the buttons the viewer may use. Counts a view (not the author's own)."""
    resource, membership = _visible_resource(request, community_slug, resource_id)
    if request.method not in READ:
        return HttpResponseNotAllowed(READ)
    user = request.user
    versions = []
    if resource.kind == ResourceKind.FILE:
        versions = list(resource.versions.select_related("uploaded_by"))
        for version in versions:
            version.resource = resource
    if request.method == "GET" and not (user.is_authenticated and user.pk == resource.author_id):
        services.resource_record_view(resource=resource)
        resource.view_count += 1
    signed_in = user.is_authenticated
    can_edit = signed_in and permissions.can_edit_resource(user, resource, membership)
    context = {
        "community": resource.community,
        "resource": resource,
        "tags": list(resource.tags.all()),
        "versions": versions,
        "link_href": _safe_href(resource.url),
        "link_domain": urlsplit(resource.url).hostname or "",
        "origin_href": _safe_href(resource.origin_url),
        "overdue": resource.review_by is not None and resource.review_by < timezone.localdate(),
        "can_edit": can_edit,
        "can_delete": signed_in and permissions.can_delete_resource(user, resource, membership),
        "can_curate": signed_in and permissions.can_curate(user, resource.community, membership),
        "can_delete_versions": can_edit and len(versions) > 1,
        # "Due for review since ...": to the owner (and whoever may edit it), with "mark reviewed".
        "is_owner": signed_in and user.pk == resource.owner_id,
    }
    return render(request, "resources/detail.html", context)
