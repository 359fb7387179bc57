"""Events: the occurrences a community's events page lists (upcoming, or past), and one
occurrence. Meeting links only for those the event page shows them to (active members, staff)."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from events import selectors
from events.models import Occurrence, RsvpResponse

from .. import serializers as s
from ._shared import COMMUNITY_FILTER, READ_ERRORS, active_community_ids, content_community, truthy


def link_communities(user) -> set[int] | frozenset:
    """Communities whose meeting links `user` may read (events.permissions.can_see_meeting_link)."""
    if user.is_authenticated and user.is_staff:
        return _Everything()
    return active_community_ids(user)


class _Everything(frozenset):
    def __contains__(self, item):
        return True


@extend_schema_view(
    list=extend_schema(
        summary="Event occurrences you may see",
        parameters=[
            COMMUNITY_FILTER,
            OpenApiParameter("past", OpenApiTypes.BOOL, description="Past occurrences, newest first, instead."),
        ],
        responses={200: s.OccurrenceSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One occurrence of an event",
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: s.OccurrenceDetailSerializer, **READ_ERRORS},
    ),
)
class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.OccurrenceSerializer
    lookup_value_regex = "[0-9]{1,18}"
    queryset = Occurrence.objects.none()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "link_communities": link_communities(self.request.user)}

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        past = truthy(params.get("past", ""))
        if slug := params.get("community"):
            community, _membership = content_community(user, slug)
            return selectors.occurrences_for_listing(community=community, user=user, past=past)
        occurrences = Occurrence.objects.visible_to(user)
        occurrences = occurrences.past() if past else occurrences.upcoming()
        # The same counts as the community's list (events.selectors.occurrences_for_listing).
        going = Count("rsvps", filter=Q(rsvps__response=RsvpResponse.GOING))
        return occurrences.for_listing().annotate(going_count=going)

    def retrieve(self, request, *args, pk=None, **kwargs):
        occurrence = get_object_or_404(
            Occurrence.objects.visible_to(request.user).select_related("event__community"), pk=pk
        )
        occurrence.going_count = occurrence.rsvps.filter(response=RsvpResponse.GOING).count()
        return Response(s.OccurrenceDetailSerializer(occurrence, context=self.get_serializer_context()).data)
