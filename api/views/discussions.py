"""Threads, posts and reactions: read as the thread list and thread pages show them, written
through the same services (discussions.services.posting / reacting)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.services import membership_of
from discussions import permissions, selectors
from discussions.models import Post, Reaction, ReactionKind, Thread, ThreadKind
from discussions.services import posting, reacting

from .. import serializers as s
from ..pagination import PostCursorPagination
from ._shared import (
    COMMUNITY_FILTER,
    CURSOR_PARAMS,
    PAGE_PARAMS,
    READ_ERRORS,
    WRITE_ERRORS,
    content_community,
    text_param,
    truthy,
)

THREAD_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The thread's id.")
POST_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The post's id.")
ID_REGEX = "[0-9]{1,18}"


def text_rule(user, thread):
    """Whether the thread page shows a post's text to `user`: not deleted, and not hidden
    unless they wrote it or moderate the community (one membership query per thread)."""
    membership = membership_of(user, thread.community)

    def shows(post) -> bool:
        if post.is_deleted:
            return False
        post.thread = thread
        return not post.is_hidden or permissions.can_see_hidden_post(user, post, membership)

    return shows


@extend_schema_view(
    list=extend_schema(
        summary="Threads you may read",
        description="Pinned first, then latest activity, as the thread list. Filter by community, tag, kind, "
        "or unanswered questions.",
        parameters=[
            COMMUNITY_FILTER,
            OpenApiParameter("tag", OpenApiTypes.STR, description="A topic tag's slug."),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=ThreadKind.values),
            OpenApiParameter("unanswered", OpenApiTypes.BOOL, description="Only questions without an accepted answer."),
        ],
        responses={200: s.ThreadSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="A thread", parameters=[THREAD_ID], responses={200: s.ThreadSerializer, **READ_ERRORS}
    ),
    create=extend_schema(
        summary="Start a thread",
        request=s.ThreadCreateSerializer,
        responses={201: s.ThreadSerializer, **WRITE_ERRORS},
    ),
)
class ThreadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ThreadSerializer
    lookup_value_regex = ID_REGEX
    queryset = Thread.objects.none()

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        if self.action != "list":
            return Thread.objects.visible_to(user).for_listing()
        kind = params.get("kind", "") if params.get("kind") in ThreadKind.values else ""
        filters = {
            "tag": text_param(params, "tag", 100),
            "unanswered": truthy(params.get("unanswered", "")),
            "kind": kind,
        }
        if slug := params.get("community"):
            community, _membership = content_community(user, slug)
            return selectors.threads_for_listing(community=community, user=user, **filters)
        threads = Thread.objects.visible_to(user).for_listing()
        if filters["tag"]:
            threads = threads.filter(tags__slug=filters["tag"]).distinct()
        if filters["unanswered"]:
            threads = threads.unanswered_questions()
        if kind:
            threads = threads.filter(kind=kind)
        return threads.order_by("-last_activity_at", "-pk")

    def create(self, request, *args, **kwargs):
        payload = s.ThreadCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        community, _membership = content_community(request.user, data.pop("community"))
        thread = posting.thread_create(actor=request.user, community=community, **data)
        thread = Thread.objects.for_listing().get(pk=thread.pk)
        return Response(self.get_serializer(thread).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="Posts of a thread, in reading order",
        description="Depth-first, as the thread page reads; cursor pagination (follow `next`).",
        parameters=[THREAD_ID, *CURSOR_PARAMS],
        responses={200: s.PostSerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Reply to a thread or to a post in it",
        parameters=[THREAD_ID],
        request=s.ReplySerializer,
        responses={201: s.PostSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True, methods=["get", "post"], pagination_class=PostCursorPagination, serializer_class=s.PostSerializer
    )
    def posts(self, request, pk=None, version=None):
        thread = get_object_or_404(Thread.objects.visible_to(request.user).select_related("community"), pk=pk)
        if request.method == "POST":
            return self._reply(request, thread)
        posts = Post.objects.filter(thread=thread).select_related("author")
        page = self.paginate_queryset(posts)
        context = {**self.get_serializer_context(), "show_text": text_rule(request.user, thread)}
        return self.get_paginated_response(s.PostSerializer(page, many=True, context=context).data)

    def _reply(self, request, thread):
        payload = s.ReplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        parent = None
        if data.get("parent"):
            parent = Post.objects.filter(thread=thread, pk=data["parent"]).first()
            if parent is None:
                raise Http404(_("There is no such post in this thread."))
        post = posting.post_reply(
            actor=request.user,
            thread=thread,
            body=data["body"],
            parent=parent,
            submission_key=data.get("submission_key", ""),
        )
        post = Post.objects.select_related("author").get(pk=post.pk)
        context = {**self.get_serializer_context(), "show_text": text_rule(request.user, thread)}
        return Response(s.PostSerializer(post, context=context).data, status=status.HTTP_201_CREATED)


def visible_post(user, pk) -> Post:
    return get_object_or_404(Post.objects.visible_to(user).select_related("author", "thread__community"), pk=pk)


@extend_schema_view(
    retrieve=extend_schema(summary="A post", parameters=[POST_ID], responses={200: s.PostSerializer, **READ_ERRORS}),
)
class PostViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PostSerializer
    lookup_value_regex = ID_REGEX
    queryset = Post.objects.none()

    def retrieve(self, request, *args, pk=None, **kwargs):
        post = visible_post(request.user, pk)
        context = {**self.get_serializer_context(), "show_text": text_rule(request.user, post.thread)}
        return Response(s.PostSerializer(post, context=context).data)

    @extend_schema(
        methods=["GET"],
        summary="Reactions to a post",
        parameters=[POST_ID, *PAGE_PARAMS],
        responses={200: s.ReactionSerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="React to a post",
        description="Adds your reaction of this kind; reacting again with the same kind keeps it on.",
        parameters=[POST_ID],
        request=s.ReactSerializer,
        responses={200: s.ReactionStateSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], serializer_class=s.ReactionSerializer)
    def reactions(self, request, pk=None, version=None):
        post = visible_post(request.user, pk)
        if request.method == "POST":
            payload = s.ReactSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            return self._set_reaction(request, post, payload.validated_data["kind"], on=True)
        if post.is_deleted or not text_rule(request.user, post.thread)(post):
            rows = Reaction.objects.none()
        else:
            rows = Reaction.objects.filter(post=post).select_related("user").order_by("created_at", "pk")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.ReactionSerializer(page, many=True).data)

    @extend_schema(
        summary="Take back your reaction",
        parameters=[
            POST_ID,
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ReactionKind.values),
        ],
        request=None,
        responses={200: s.ReactionStateSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["delete"], url_path="reactions/(?P<kind>[a-z]{1,10})")
    def reaction_remove(self, request, pk=None, kind=None, version=None):
        post = visible_post(request.user, pk)
        if kind not in ReactionKind.values:
            raise Http404(_("There is no such reaction."))
        return self._set_reaction(request, post, kind, on=False)

    def _set_reaction(self, request, post, kind, *, on: bool):
        """reaction_toggle flips; the API states the wanted end, so flip only when it differs
        (the service checks who may react either way)."""
        has = Reaction.objects.filter(post=post, user=request.user, kind=kind).exists()
        if has != on:
            reacting.reaction_toggle(actor=request.user, post=post, kind=kind)
        elif on:
            # Already on: still refuse someone who may not react (a banned member, say).
            if not permissions.can_react(request.user, post, membership_of(request.user, post.thread.community)):
                reacting.reaction_toggle(actor=request.user, post=post, kind=kind)  # raises PermissionDenied
        post.refresh_from_db(fields=[f"{kind}_count"])
        return Response({"kind": kind, "active": on, "count": getattr(post, f"{kind}_count")})
