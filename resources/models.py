"""The resource library: uploaded files (with versions), links, and documented practices.

Uploaded files live in their own storage (STORAGES["resources"]), outside MEDIA_ROOT and
static files, under random names: nothing but the download view, which applies the visibility
policy, ever hands them out.
"""

from django.conf import settings
from django.conf.global_settings import LANGUAGES
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from communities.models import Community

from .querysets import ResourceQuerySet

# Sorted by English name; shown in the reader's language (Django's own catalogues name them).
LANGUAGE_CHOICES = [(code, _(name)) for code, name in sorted(LANGUAGES, key=lambda pair: pair[1])]


class _LibraryStorage(LazyObject):
    """STORAGES["resources"], looked up when first used (and again after the setting changes,
    see apps.py), so tests and deployments can point it elsewhere."""

    def _setup(self):
        self._wrapped = storages["resources"]


library_storage = _LibraryStorage()


def resource_storage():
    return library_storage


class ResourceKind(models.TextChoices):
    FILE = "file", _("File")
    LINK = "link", _("Link")
    PRACTICE = "practice", _("Documented practice")


class Licence(models.TextChoices):
    CC_BY = "cc-by-4.0", "CC BY 4.0"
    CC_BY_SA = "cc-by-sa-4.0", "CC BY-SA 4.0"
    CC_BY_NC = "cc-by-nc-4.0", "CC BY-NC 4.0"
    CC0 = "cc0-1.0", _("CC0 (public domain)")
    ALL_RIGHTS = "all-rights-reserved", _("All rights reserved")
    OTHER = "other", _("Other (see summary)")


class Resource(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(max_length=10, choices=ResourceKind.choices)
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=2000, blank=True, help_text=_("What it is and who it helps."))
    tags = TaggableManager(_("topic tags"), blank=True, help_text=_("Topic tags, separated by commas."))
    language = models.CharField(max_length=10, choices=LANGUAGE_CHOICES, default="en")
    licence = models.CharField(max_length=24, choices=Licence.choices, default=Licence.CC_BY)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="resources")
    # Links: only http(s), never fetched by the server.
    url = models.URLField(_("address"), max_length=1000, blank=True)
    # Documented practices: a Markdown page with its sections, an owner who keeps it current,
    # and a date by which it should be reviewed.
    body = models.TextField(blank=True, max_length=100_000)
    body_html = models.TextField(blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_practices"
    )
    review_by = models.DateField(null=True, blank=True, help_text=_("When this practice should be checked again."))
    # Where it came from (a discussion thread, usually): a generic reference, since resources
    # may not import discussions; title and address are copied for display.
    origin_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    origin_id = models.PositiveBigIntegerField(null=True, blank=True)
    origin_title = models.CharField(max_length=200, blank=True)
    origin_url = models.CharField(max_length=500, blank=True)
    current_version = models.ForeignKey(
        "ResourceVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    is_featured = models.BooleanField(_("featured"), default=False, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    # Denormalised counters, kept with F() by the services.
    download_count = models.PositiveIntegerField(default=0, editable=False)
    view_count = models.PositiveIntegerField(default=0, editable=False)
    # For search (Postgres; kept current by cop_platform.search's signal receivers).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["community", "-created_at"], name="resource_newest"),
            models.Index(fields=["community", "-updated_at"], name="resource_updated"),
            models.Index(fields=["origin_type", "origin_id"], name="resource_origin"),
            GinIndex(fields=["search_vector"], name="resource_search"),
            # Also resource_title_trigram, GIN (UPPER(title) gin_trgm_ops): title words (icontains,
            # the expertise finder's topic) without reading every resource. Made in SQL by
            # migration 0003, as discussions 0006 made thread_title_trigram.
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="link") | ~Q(url=""), name="link_resources_have_an_address"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("resources:detail", kwargs={"community_slug": self.community.slug, "resource_id": self.pk})

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def version_upload_to(instance, filename):
    # The stored name is random; the uploader's name is kept only as display text.
    return f"{instance.resource.community_id}/{instance.storage_token}{instance.extension}"


class ResourceVersion(models.Model):
    """One uploaded file of a file resource. New uploads add versions; old ones stay
    downloadable until someone deletes them."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=version_upload_to, storage=resource_storage, max_length=300)
    storage_token = models.CharField(max_length=64, editable=False)
    extension = models.CharField(max_length=10, editable=False)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    download_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="one_version_number_per_resource")]

    def __str__(self):
        return f"{self.resource} v{self.number}"

    def get_download_url(self):
        return reverse(
            "resources:download_version",
            kwargs={
                "community_slug": self.resource.community.slug,
                "resource_id": self.resource_id,
                "version_number": self.number,
            },
        )
