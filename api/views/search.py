"""Search: the search page's engine (cop_platform.search), its form's checks and filters, so
the API finds exactly what the page finds for the same caller."""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from communities.models import Community
from cop_platform.search.engine import search
from cop_platform.search.forms import SearchForm

from .. import serializers as s
from ._shared import PAGE_PARAMS, READ_ERRORS, problems


class SearchView(generics.GenericAPIView):
    serializer_class = s.SearchHitSerializer

    @extend_schema(
        summary="Search everything you may see",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True, description='Words; "a phrase", -word, OR.'),
            OpenApiParameter("type", OpenApiTypes.STR, description="thread, post, resource, member, ..."),
            OpenApiParameter("community", OpenApiTypes.STR, description="A community's slug."),
            OpenApiParameter("tag", OpenApiTypes.STR),
            OpenApiParameter("author", OpenApiTypes.STR, description="A username."),
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
            *PAGE_PARAMS,
        ],
        responses={200: s.SearchHitSerializer(many=True), **READ_ERRORS, **problems(400)},
    )
    def get(self, request, version=None):
        readable = Community.objects.content_visible_to(request.user).order_by("name")
        form = SearchForm(request.query_params, communities=readable)
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        results = search(user=request.user, query=form.cleaned_data["q"], filters=form.filters())
        page = self.paginate_queryset(results)
        return self.get_paginated_response(s.SearchHitSerializer(page, many=True).data)
