"""Fetching through the visibility policy (404 for anything the caller may not see, exactly
as the pages answer) and small pieces every API view module uses."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from communities.models import Community, Membership
from communities.permissions import can_view_content
from communities.services import membership_of

PROBLEM = inline_serializer(
    name="Problem",
    fields={
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False),
    },
)


def problems(*codes: int) -> dict:
    """Responses entries for the schema: each code answered with a problem document."""
    return {
        (code, "application/problem+json"): OpenApiResponse(PROBLEM, description="RFC 9457 problem details")
        for code in codes
    }


READ_ERRORS = problems(401, 404, 429)
WRITE_ERRORS = problems(400, 401, 403, 404, 415, 429)

PAGE_PARAMS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="A page number within the paginated result set."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Results per page (at most 100)."),
]
CURSOR_PARAMS = [
    OpenApiParameter("cursor", OpenApiTypes.STR, description="The pagination cursor value (from `next`)."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Results per page (at most 100)."),
]

COMMUNITY_FILTER = OpenApiParameter("community", OpenApiTypes.STR, description="A community's slug.")


def text_param(params, name: str, limit: int) -> str:
    """A query parameter as text a filter can use: at most `limit` characters, without the NUL
    characters Postgres refuses (the pages' form fields refuse them the same way)."""
    return params.get(name, "").replace("\x00", "")[:limit]


def visible_community(user, slug: str) -> Community:
    """A community the caller may know exists (its home page opens for them)."""
    return get_object_or_404(Community.objects.visible_to(user), slug=slug.replace("\x00", "")[:60])


def content_community(user, slug: str) -> tuple[Community, Membership | None]:
    """A community whose content the caller may read, and their membership in it. A private
    community's content is a 404 for outsiders, like the content itself."""
    community = visible_community(user, slug)
    membership = membership_of(user, community)
    if not can_view_content(user, community, membership):
        raise Http404(_("No content to show."))
    return community, membership


def truthy(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def active_community_ids(user) -> set[int]:
    """The communities `user` is an active member of (one query; none for visitors)."""
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.active().filter(user=user).values_list("community_id", flat=True))
