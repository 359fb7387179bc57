"""Communities: the directory, one community's charter, its members, joining and leaving,
join requests for coordinators, and the health figures for coordinators."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities import permissions, selectors, services
from communities.health.dashboard import dashboard, value_inputs
from communities.health.metrics import FIGURES
from communities.models import Community, Stage

from .. import serializers as s
from ._shared import PAGE_PARAMS, READ_ERRORS, WRITE_ERRORS, content_community, problems, text_param, visible_community

SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The community's slug.")


@extend_schema_view(
    list=extend_schema(
        summary="Communities you may see",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Words in the name, tagline or domain."),
            OpenApiParameter("tag", OpenApiTypes.STR, description="A topic tag (slug or name)."),
            OpenApiParameter("audience", OpenApiTypes.STR, description="Words in the audience statement."),
            OpenApiParameter("stage", OpenApiTypes.STR, enum=Stage.values, description="Lifecycle stage."),
        ],
        responses={200: s.CommunitySerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="A community and its charter",
        parameters=[SLUG],
        responses={200: s.CommunitySerializer, **READ_ERRORS},
    ),
)
class CommunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CommunitySerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    queryset = Community.objects.none()

    def get_queryset(self):
        params = self.request.query_params
        if self.action == "list":
            return selectors.directory_for(
                self.request.user,
                q=text_param(params, "q", 200),
                tag=text_param(params, "tag", 100),
                audience=text_param(params, "audience", 200),
                stage=params.get("stage", "") if params.get("stage") in Stage.values else "",
            )
        return Community.objects.visible_to(self.request.user).for_directory()

    # --- Members -------------------------------------------------------------------------------

    @extend_schema(
        summary="Members of a community, as its members page lists them",
        parameters=[SLUG, *PAGE_PARAMS],
        responses={200: s.MembershipSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], serializer_class=s.MembershipSerializer)
    def members(self, request, slug=None, version=None):
        community, _membership = content_community(request.user, slug)
        rows = selectors.active_members(community, request.user).select_related("community")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.MembershipSerializer(page, many=True).data)

    # --- Joining and leaving -------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="Your membership in a community",
        parameters=[SLUG],
        responses={200: s.MembershipSerializer, **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Join (or ask to join) a community",
        description="Open communities: you are a member at once (201). Approval: a pending request (202).",
        parameters=[SLUG],
        request=s.JoinBodySerializer,
        responses={201: s.MembershipSerializer, 202: s.MembershipSerializer, **WRITE_ERRORS},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Leave a community, or withdraw your request",
        parameters=[SLUG],
        request=None,
        responses={204: OpenApiResponse(description="Done."), **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post", "delete"], serializer_class=s.JoinBodySerializer)
    def membership(self, request, slug=None, version=None):
        community = visible_community(request.user, slug)
        if request.method == "GET":
            membership = services.membership_of(request.user, community)
            if membership is None:
                raise Http404(_("You are not a member of this community."))
            return Response(s.MembershipSerializer(membership).data)
        if request.method == "DELETE":
            services.membership_leave(actor=request.user, community=community)
            return Response(status=status.HTTP_204_NO_CONTENT)
        payload = s.JoinBodySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = services.membership_join(
            actor=request.user, community=community, message=payload.validated_data.get("message", "")
        )
        code = status.HTTP_201_CREATED if membership.is_active else status.HTTP_202_ACCEPTED
        return Response(s.MembershipSerializer(membership).data, status=code)

    # --- Join requests (coordinators) ---------------------------------------------------------

    def _coordinated(self, request, slug):
        community = visible_community(request.user, slug)
        if not permissions.can_coordinate(request.user, community, services.membership_of(request.user, community)):
            raise PermissionDenied(_("Only this community's coordinators can see its join requests."))
        return community

    @extend_schema(
        summary="Join requests waiting (coordinators)",
        parameters=[SLUG, *PAGE_PARAMS],
        responses={200: s.JoinRequestSerializer(many=True), **problems(401, 403, 404, 429)},
    )
    @action(detail=True, methods=["get"], url_path="join-requests", serializer_class=s.JoinRequestSerializer)
    def join_requests(self, request, slug=None, version=None):
        community = self._coordinated(request, slug)
        rows = community.memberships.pending().select_related("user").order_by("created_at", "pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.JoinRequestSerializer(page, many=True).data)

    @extend_schema(
        summary="Approve a join request (coordinators)",
        parameters=[SLUG, OpenApiParameter("request_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=None,
        responses={200: s.MembershipSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"join-requests/(?P<request_id>[0-9]{1,18})/approve",
        serializer_class=s.MembershipSerializer,
    )
    def approve(self, request, slug=None, request_id=None, version=None):
        community = self._coordinated(request, slug)
        membership = get_object_or_404(community.memberships.select_related("community", "user"), pk=request_id)
        membership = services.membership_approve(actor=request.user, membership=membership)
        return Response(s.MembershipSerializer(membership).data)

    @extend_schema(
        summary="Invite someone by email (coordinators)",
        description="For provisioning from a directory: people with or without an account get an email "
        "invitation; inviting the same address again replaces the open invitation.",
        parameters=[SLUG],
        request=s.InviteSerializer,
        responses={201: s.InvitationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], serializer_class=s.InviteSerializer)
    def invitations(self, request, slug=None, version=None):
        community = visible_community(request.user, slug)
        payload = s.InviteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        invitation = services.invitation_create(actor=request.user, community=community, **payload.validated_data)
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    # --- Health (coordinators) -----------------------------------------------------------------

    @extend_schema(
        summary="Health figures (coordinators)",
        description="The figures of the health page: the latest day, each day of the last weeks, and live counts.",
        parameters=[SLUG],
        responses={200: s.HealthSerializer, **problems(401, 403, 404, 429)},
    )
    @action(detail=True, methods=["get"], serializer_class=s.HealthSerializer, pagination_class=None)
    def health(self, request, slug=None, version=None):
        community = visible_community(request.user, slug)
        if not permissions.can_coordinate(request.user, community, services.membership_of(request.user, community)):
            raise PermissionDenied(_("The health figures are for this community's coordinators."))
        data = dashboard(community, full=False)  # the summary the page shows, and its inputs:
        inputs = value_inputs(community)
        latest = data["latest"]
        body = {
            "community": community.slug,
            "critical_mass": community.critical_mass,
            "critical_mass_reached": data["critical_mass_reached"],
            "latest": {"day": latest.day, "figures": latest.figures} if latest else None,
            "last_4_weeks": data["last_4_weeks"],
            "live": inputs["live"],
            "days": [{"day": snap.day, "figures": snap.figures} for snap in inputs["snapshots"]],
            "glossary": {name: str(meaning) for name, _label, meaning in FIGURES},
        }
        return Response(s.HealthSerializer(body).data)
