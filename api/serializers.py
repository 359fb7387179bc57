"""What the API shows of each object: what its page shows to the same viewer, no more.

Hidden or deleted posts carry no text for those the page would not show it to; meeting links
only for those the event page shows them to; members only the fields of their profile page."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communities.models import Community, JoinPolicy, Membership, Stage, Visibility
from discussions.models import Post, ReactionKind, Thread, ThreadKind
from events.models import Occurrence
from members.models import Notification, shown_name
from resources.models import Licence, Resource, ResourceKind, ResourceVersion

from .models import AccessToken, Scope

User = get_user_model()
NULLABLE_TEXT = {"type": "string", "nullable": True}
NULLABLE_URI = {"type": "string", "format": "uri", "nullable": True}


class TagList(serializers.ListField):
    child = serializers.CharField()

    def to_representation(self, manager):
        # Prefetched: `.all()` reads the prefetch cache, no query per row.
        return sorted(tag.name for tag in manager.all())


class UserRefSerializer(serializers.Serializer):
    """An author, as a byline shows them ("a former member" once the account is gone)."""

    username = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()

    @extend_schema_field(NULLABLE_TEXT)
    def get_username(self, user) -> str | None:
        return user.username if user is not None and user.is_active else None

    def get_name(self, user) -> str:
        return shown_name(user)

    def to_representation(self, instance):
        return {"username": self.get_username(instance), "name": self.get_name(instance)}


def _user_ref(**kwargs):
    return UserRefSerializer(allow_null=True, read_only=True, **kwargs)


class AbsoluteUrl(serializers.SerializerMethodField):
    """The page of the object on the site, absolute when the request is known."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The object's page on the site.")
        super().__init__(method_name="get_page_url", **kwargs)


class PageUrlMixin:
    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, obj) -> str:
        request = self.context.get("request")
        url = obj.get_absolute_url()
        return request.build_absolute_uri(url) if request is not None else url


# --- Communities ---------------------------------------------------------------------------------


class CommunitySerializer(PageUrlMixin, serializers.ModelSerializer):
    tags = TagList(read_only=True)
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, read_only=True)
    join_policy = serializers.ChoiceField(choices=JoinPolicy.choices, read_only=True)
    page_url = AbsoluteUrl()

    class Meta:
        model = Community
        fields = [
            "slug", "name", "tagline", "domain", "audience", "mandate", "mandate_html", "norms", "norms_html",
            "tags", "stage", "visibility", "join_policy", "critical_mass", "member_count", "created_at", "page_url",
        ]  # fmt: skip
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    user = _user_ref()
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "community", "role", "state", "joined_at"]
        read_only_fields = fields


class JoinRequestSerializer(serializers.ModelSerializer):
    user = _user_ref()

    class Meta:
        model = Membership
        fields = ["id", "user", "state", "request_message", "created_at"]
        read_only_fields = fields


class JoinBodySerializer(serializers.Serializer):
    message = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="For communities that approve requests."
    )


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text="With or without an account: the invitation goes by email.")
    message = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class InvitationSerializer(serializers.Serializer):
    community = serializers.CharField(source="community.slug")
    email = serializers.EmailField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


# --- Members -------------------------------------------------------------------------------------


class MemberSerializer(PageUrlMixin, serializers.ModelSerializer):
    """What a profile page shows (never the email address)."""

    name = serializers.CharField(read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)
    expertise = TagList(read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), source="language_list", read_only=True)
    page_url = AbsoluteUrl()

    class Meta:
        model = User
        fields = [
            "username", "name", "headline", "bio_html", "organisation", "discipline", "country", "languages",
            "expertise", "page_url",
        ]  # fmt: skip
        read_only_fields = fields


# --- Discussions ---------------------------------------------------------------------------------


class ThreadSerializer(PageUrlMixin, serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = _user_ref()
    tags = TagList(read_only=True)
    kind = serializers.ChoiceField(choices=ThreadKind.choices, read_only=True)
    is_answered = serializers.BooleanField(read_only=True)
    page_url = AbsoluteUrl()

    class Meta:
        model = Thread
        fields = [
            "id", "community", "title", "author", "kind", "tags", "is_pinned", "is_locked", "is_closed",
            "is_answered", "accepted_post", "created_at", "last_activity_at", "reply_count", "page_url",
        ]  # fmt: skip
        read_only_fields = fields


class ThreadCreateSerializer(serializers.Serializer):
    community = serializers.SlugField(help_text="The community's slug.")
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=50_000, help_text="Markdown.")
    kind = serializers.ChoiceField(choices=ThreadKind.choices, default=ThreadKind.DISCUSSION)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=20)
    submission_key = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="Send the same key again to retry safely."
    )


class PostSerializer(PageUrlMixin, serializers.ModelSerializer):
    """A post as its thread page shows it: text only where the page shows it."""

    author = _user_ref()
    thread = serializers.PrimaryKeyRelatedField(read_only=True)
    parent = serializers.PrimaryKeyRelatedField(read_only=True)
    body = serializers.SerializerMethodField(help_text="The Markdown source; null where the text is not shown.")
    body_html = serializers.SerializerMethodField(help_text="Rendered, sanitised HTML; null where not shown.")
    is_deleted = serializers.BooleanField(read_only=True)
    is_hidden = serializers.BooleanField(read_only=True)
    reactions = serializers.SerializerMethodField()
    page_url = AbsoluteUrl()

    class Meta:
        model = Post
        fields = [
            "id", "thread", "parent", "depth", "is_opening", "author", "body", "body_html", "created_at",
            "edited_at", "is_deleted", "is_hidden", "reactions", "page_url",
        ]  # fmt: skip
        read_only_fields = fields

    def _shows_text(self, post) -> bool:
        return self.context["show_text"](post)

    @extend_schema_field(NULLABLE_TEXT)
    def get_body(self, post) -> str | None:
        return post.body if self._shows_text(post) else None

    @extend_schema_field(NULLABLE_TEXT)
    def get_body_html(self, post) -> str | None:
        return post.body_html if self._shows_text(post) else None

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}})
    def get_reactions(self, post) -> dict:
        return {kind: getattr(post, f"{kind}_count") for kind in ReactionKind.values}


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=50_000, help_text="Markdown.")
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1, help_text="Reply to this post.")
    submission_key = serializers.CharField(required=False, allow_blank=True, max_length=64)


class ReactionSerializer(serializers.Serializer):
    user = _user_ref()
    kind = serializers.ChoiceField(choices=ReactionKind.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ReactSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)


class ReactionStateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)
    active = serializers.BooleanField(help_text="Whether your reaction of this kind is on the post now.")
    count = serializers.IntegerField()


# --- Library -------------------------------------------------------------------------------------


class VersionSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text="The site's download address (session or visitors).")
    api_download_url = serializers.SerializerMethodField(help_text="The same download for a token holder.")

    class Meta:
        model = ResourceVersion
        fields = ["number", "original_name", "content_type", "size", "created_at", "download_url", "api_download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_download_url(self, version) -> str:
        request = self.context.get("request")
        url = reverse("api:resource-download", kwargs={"version": "v1", "pk": version.resource_id})
        url = f"{url}?version={version.number}"
        return request.build_absolute_uri(url) if request is not None else url

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, version) -> str:
        """The site's download address: it applies the visibility policy on every request."""
        request = self.context.get("request")
        url = version.get_download_url()
        return request.build_absolute_uri(url) if request is not None else url


class ResourceSerializer(PageUrlMixin, serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = _user_ref()
    kind = serializers.ChoiceField(choices=ResourceKind.choices, read_only=True)
    licence = serializers.ChoiceField(choices=Licence.choices, read_only=True)
    tags = TagList(read_only=True)
    current_version = VersionSerializer(read_only=True, allow_null=True)
    is_archived = serializers.BooleanField(read_only=True)
    url = serializers.SerializerMethodField(help_text="A link's address (null for files and practices).")
    page_url = AbsoluteUrl()

    @extend_schema_field(NULLABLE_URI)
    def get_url(self, resource) -> str | None:
        return resource.url or None

    def to_representation(self, resource):
        # The versions' download addresses name the resource's community: share the row
        # already here rather than fetching it again per version.
        if resource.current_version is not None:
            resource.current_version.resource = resource
        return super().to_representation(resource)

    class Meta:
        model = Resource
        fields = [
            "id", "community", "kind", "title", "summary", "tags", "language", "licence", "author", "url",
            "review_by", "is_featured", "is_archived", "current_version", "download_count", "created_at",
            "updated_at", "page_url",
        ]  # fmt: skip
        read_only_fields = fields


class ResourceDetailSerializer(ResourceSerializer):
    body = serializers.CharField(read_only=True, help_text="A practice's Markdown source.")
    body_html = serializers.CharField(read_only=True, help_text="A practice, rendered and sanitised.")
    versions = serializers.SerializerMethodField()

    class Meta(ResourceSerializer.Meta):
        fields = [*ResourceSerializer.Meta.fields, "body", "body_html", "versions"]
        read_only_fields = fields

    @extend_schema_field(VersionSerializer(many=True))
    def get_versions(self, resource) -> list:
        versions = list(resource.versions.all())
        for version in versions:
            version.resource = resource
        return VersionSerializer(versions, many=True, context=self.context).data


class ResourceCreateSerializer(serializers.Serializer):
    """Only the envelope: the library's own forms validate the fields (and the file) below."""

    community = serializers.SlugField()
    kind = serializers.ChoiceField(choices=ResourceKind.choices)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    tags = serializers.CharField(required=False, allow_blank=True, help_text="Separated by commas.")
    language = serializers.CharField(required=False, default="en", max_length=10)
    licence = serializers.ChoiceField(choices=Licence.choices, required=False, default=Licence.CC_BY)
    url = serializers.URLField(required=False, allow_blank=True, help_text="For links.")
    body = serializers.CharField(required=False, allow_blank=True, help_text="For practices: Markdown.")
    review_by = serializers.DateField(required=False, allow_null=True, help_text="For practices.")
    upload = serializers.FileField(required=False, help_text="For files: sent as multipart/form-data.")


# --- Events --------------------------------------------------------------------------------------


class OccurrenceSerializer(PageUrlMixin, serializers.ModelSerializer):
    event = serializers.PrimaryKeyRelatedField(read_only=True)
    community = serializers.CharField(source="event.community.slug", read_only=True)
    title = serializers.CharField(source="display_title", read_only=True)
    place = serializers.CharField(source="display_place", read_only=True)
    format = serializers.CharField(source="event.format", read_only=True)
    is_cancelled = serializers.BooleanField(source="is_off", read_only=True)
    going_count = serializers.IntegerField(read_only=True)
    meeting_url = serializers.SerializerMethodField(help_text="Only for those the event page shows it to.")
    page_url = AbsoluteUrl()

    class Meta:
        model = Occurrence
        fields = [
            "id", "event", "community", "title", "starts_at", "ends_at", "format", "place", "is_cancelled",
            "going_count", "meeting_url", "page_url",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(NULLABLE_URI)
    def get_meeting_url(self, occurrence) -> str | None:
        if occurrence.event.community_id not in self.context["link_communities"]:
            return None
        return occurrence.display_meeting_url or None


class OccurrenceDetailSerializer(OccurrenceSerializer):
    description_html = serializers.CharField(source="display_description_html", read_only=True)

    class Meta(OccurrenceSerializer.Meta):
        fields = [*OccurrenceSerializer.Meta.fields, "description_html"]
        read_only_fields = fields


# --- Search, notifications, health ---------------------------------------------------------------


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    context = serializers.CharField()
    community_name = serializers.CharField()
    date = serializers.DateTimeField(allow_null=True)
    badge = serializers.CharField()
    title_html = serializers.CharField(help_text="The title with matches marked.")
    snippet_html = serializers.CharField(help_text="An excerpt with matches marked.")


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True)
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "created_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, help_text="Leave out to mark all read."
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class HealthDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    figures = serializers.DictField(child=serializers.JSONField())


class HealthSerializer(serializers.Serializer):
    community = serializers.CharField()
    critical_mass = serializers.IntegerField()
    critical_mass_reached = serializers.BooleanField()
    latest = HealthDaySerializer(allow_null=True)
    last_4_weeks = serializers.DictField(child=serializers.IntegerField())
    live = serializers.DictField(child=serializers.JSONField())
    days = HealthDaySerializer(many=True)
    glossary = serializers.DictField(child=serializers.CharField())


# --- Tokens --------------------------------------------------------------------------------------


class AccessTokenSerializer(serializers.ModelSerializer):
    scope = serializers.ChoiceField(choices=Scope.choices, read_only=True)

    class Meta:
        model = AccessToken
        fields = ["id", "name", "scope", "prefix", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields
