"""events-life's models, imported at the end of events/models.py so Django finds them.

- EventMaterial: an event's harvest, content of other apps (a library resource: notes,
  slides, a recording) linked to one occurrence. Stored generically, content type and id,
  because events may not import resources; shown through communities.linkables
  (events.harvest).
- EventSearchDocument: an event's row for full-text search (events.search_sources): its
  stored vector, kept beside the event so the event's own table stays events-core's.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from .models import Event, Occurrence


class EventMaterial(models.Model):
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="materials")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        app_label = "events"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "content_type", "object_id"], name="event_material_linked_once"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="event_material_target")]

    def __str__(self):
        return f"{self.content_type.model} {self.object_id} for occurrence {self.occurrence_id}"


class EventSearchDocument(models.Model):
    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="search_document")
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        app_label = "events"
        indexes = [GinIndex(fields=["search_vector"], name="event_search")]

    def __str__(self):
        return f"Search document of event {self.event_id}"
