"""Members (what each profile shows to the caller) and the caller's own notifications."""

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from members.models import Notification
from members.notifications import notifications_mark_read, visible_notifications

from .. import serializers as s
from ..permissions import SignedIn
from ._shared import READ_ERRORS, WRITE_ERRORS, text_param

User = get_user_model()


@extend_schema_view(
    list=extend_schema(
        summary="Members whose profiles you may see",
        parameters=[
            OpenApiParameter("discipline", OpenApiTypes.STR),
            OpenApiParameter("country", OpenApiTypes.STR, description="A two-letter country code."),
            OpenApiParameter("expertise", OpenApiTypes.STR, description="An expertise tag's slug."),
        ],
        responses={200: s.MemberSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="A member's profile",
        parameters=[OpenApiParameter("username", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: s.MemberSerializer, **READ_ERRORS},
    ),
)
class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.MemberSerializer
    lookup_field = "username"
    lookup_value_regex = r"[\w.@+-]{1,150}"
    queryset = User.objects.none()

    def get_queryset(self):
        params = self.request.query_params
        members = User.objects.profiles_visible_to(self.request.user).prefetch_related("expertise")
        if discipline := text_param(params, "discipline", 80):
            members = members.filter(discipline__iexact=discipline)
        if country := text_param(params, "country", 2):
            members = members.filter(country=country.upper())
        if expertise := text_param(params, "expertise", 100):
            members = members.filter(expertise__slug=expertise).distinct()
        return members.defer("bio", "search_vector").order_by("username", "pk")


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications",
        description="Newest first; those whose subject you may no longer see are left out, as on the page.",
        responses={200: s.NotificationSerializer(many=True), **READ_ERRORS},
    ),
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.NotificationSerializer
    permission_classes = [SignedIn]
    queryset = Notification.objects.none()

    def get_queryset(self):
        return (
            Notification.objects.filter(recipient=self.request.user)
            .select_related("actor")
            .order_by("-created_at", "-pk")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        shown = visible_notifications(request.user, page)
        return self.get_paginated_response(s.NotificationSerializer(shown, many=True).data)

    @extend_schema(
        summary="Mark your notifications read",
        request=s.MarkReadSerializer,
        responses={200: s.MarkedSerializer, **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="mark-read", serializer_class=s.MarkReadSerializer)
    def mark_read(self, request, version=None):
        payload = s.MarkReadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ids = payload.validated_data.get("ids")
        marked = notifications_mark_read(actor=request.user, ids=ids)
        return Response({"marked": marked})
