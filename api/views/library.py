"""The resource library: listing and one resource as the library pages show them (files only
through the site's visibility-checked download address), and adding a file, link or practice
through the library's own forms and resource_create (the same upload checks as the page)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from resources import permissions, selectors, services
from resources.forms import NEW_FORMS
from resources.models import Resource, ResourceKind
from resources.views import downloads

from .. import serializers as s
from ._shared import COMMUNITY_FILTER, READ_ERRORS, WRITE_ERRORS, content_community, text_param, truthy


def _form_data(data) -> QueryDict:
    """The request's fields as a form reads them (JSON lists of tags become the text field)."""
    form_data = QueryDict(mutable=True)
    for key, value in data.items():
        if key == "upload":
            continue
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else value
        form_data[key] = "" if text is None else str(text)
    return form_data


@extend_schema_view(
    list=extend_schema(
        summary="Resources you may read",
        parameters=[
            COMMUNITY_FILTER,
            OpenApiParameter("kind", OpenApiTypes.STR, enum=ResourceKind.values),
            OpenApiParameter("tag", OpenApiTypes.STR, description="A topic tag's slug."),
            OpenApiParameter("language", OpenApiTypes.STR),
            OpenApiParameter("q", OpenApiTypes.STR, description="Words in the title, summary, text or file name."),
            OpenApiParameter("archived", OpenApiTypes.BOOL, description="Archived resources instead."),
        ],
        responses={200: s.ResourceSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="A resource, with its versions' download addresses",
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: s.ResourceDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Add a file, a link or a documented practice",
        description="Files are sent as multipart/form-data with the file in `upload`; they pass the same checks "
        "as the library's upload page (size, type, contents).",
        request={"multipart/form-data": s.ResourceCreateSerializer, "application/json": s.ResourceCreateSerializer},
        responses={201: s.ResourceDetailSerializer, **WRITE_ERRORS},
    ),
)
class ResourceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.ResourceSerializer
    lookup_value_regex = "[0-9]{1,18}"
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    queryset = Resource.objects.none()

    def get_serializer_class(self):
        return s.ResourceSerializer if self.action == "list" else s.ResourceDetailSerializer

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        if self.action != "list":
            return Resource.objects.visible_to(user).for_listing().prefetch_related("versions")
        filters = {
            "kind": params.get("kind", "") if params.get("kind") in ResourceKind.values else "",
            "tag": text_param(params, "tag", 100),
            "language": text_param(params, "language", 10),
            "q": text_param(params, "q", 200),
            "archived": truthy(params.get("archived", "")),
        }
        if slug := params.get("community"):
            community, _membership = content_community(user, slug)
            return selectors.library(community=community, user=user, **filters)
        resources = Resource.objects.visible_to(user).for_listing().filter(archived_at__isnull=not filters["archived"])
        if filters["kind"]:
            resources = resources.filter(kind=filters["kind"])
        if filters["tag"]:
            resources = resources.filter(tags__slug=filters["tag"]).distinct()
        if filters["language"]:
            resources = resources.filter(language=filters["language"])
        if filters["q"]:
            resources = resources.filter(title__icontains=filters["q"])
        return resources.defer("body", "body_html", "search_vector").order_by("-created_at", "-pk")

    @extend_schema(
        summary="Download a file (the current version, or ?version=N)",
        description="The library's own download view, with its visibility check, for a token holder.",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH),
            OpenApiParameter("version", OpenApiTypes.INT, description="A version number; the current one if left out."),
        ],
        responses={(200, "*/*"): OpenApiTypes.BINARY, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def download(self, request, pk=None, version=None):
        resource = get_object_or_404(Resource.objects.visible_to(request.user).select_related("community"), pk=pk)
        number = request.query_params.get("version", "")
        if number and not (number.isascii() and number.isdigit() and len(number) <= 9):
            raise Http404(_("There is no such version."))
        # DRF has already put the caller on the underlying request: the library view sees them.
        return downloads.download(
            request._request, resource.community.slug, resource.pk, int(number) if number else None
        )

    def create(self, request, *args, **kwargs):
        envelope = s.ResourceCreateSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        community, membership = content_community(request.user, envelope.validated_data["community"])
        kind = envelope.validated_data["kind"]
        if not permissions.can_add_resource(request.user, community, membership):
            raise PermissionDenied(_("Only members of this community can add to its library."))
        data = _form_data(request.data)
        for name in ("language", "licence"):  # the form's initial values, as the page offers them
            data.setdefault(name, envelope.validated_data[name])
        form = NEW_FORMS[kind](data, request.FILES, community=community, user=request.user)
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        resource = services.resource_create(
            actor=request.user, community=community, kind=kind, **form.resource_fields()
        )
        resource = self.get_queryset().get(pk=resource.pk)
        return Response(
            s.ResourceDetailSerializer(resource, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
