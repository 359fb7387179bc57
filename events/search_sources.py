"""Events as a search source (cop_platform.search.registry), registered from events.wiring.

An event is found by its title (weight A), its description (B) and its place (C), through the
events' visibility policy: a private community's events only by its members. The vector lives
on EventSearchDocument (one row per event, made when the event is first saved), so the events
table stays as events-core shaped it; on SQLite the event's own columns are searched.
"""

from django.contrib.postgres.search import SearchVector
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.signals import post_save
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from cop_platform.search.registry import SearchHit, SearchSource, Watch, register_source, search_config

from .models import Event
from .models_life import EventSearchDocument


def _column(name: str):
    return Subquery(Event.objects.filter(pk=OuterRef("event_id")).values(name)[:1])


def _vector():
    config = search_config()
    return (
        SearchVector(_column("title"), weight="A", config=config)
        + SearchVector(_column("description"), weight="B", config=config)
        + SearchVector(_column("place"), weight="C", config=config)
    )


def _describe(document) -> SearchHit:
    event = document.event
    when = event.starts_at.astimezone(event.zone)
    return SearchHit(
        kind="event",
        kind_label=gettext("Event"),
        title=event.title,
        url=event.get_absolute_url(),
        context=f"{date_format(when, 'D j M Y, H:i')} ({event.time_zone}) · {event.get_format_display()}"
        + (f" · {gettext('cancelled')}" if event.is_cancelled else ""),
        community_name=event.community.name,
        community_url=event.community.get_absolute_url(),
        date=event.starts_at,
        badge=gettext("Cancelled") if event.is_cancelled else "",
    )


def _document_ids(event) -> list[int]:
    return list(EventSearchDocument.objects.filter(event_id=event.pk).values_list("pk", flat=True))


def _ensure_document(sender, instance, raw=False, created=False, **kwargs):
    """Every event has its search row; made before the registry's watch refreshes its vector."""
    if not raw:
        EventSearchDocument.objects.get_or_create(event_id=instance.pk)


def register() -> None:
    post_save.connect(_ensure_document, sender=Event, weak=False, dispatch_uid="events-search-document")
    register_source(
        SearchSource(
            kind="event",
            label=gettext_lazy("Event"),
            plural=gettext_lazy("Events"),
            model=EventSearchDocument,
            visible=lambda user: EventSearchDocument.objects.filter(event__in=Event.objects.visible_to(user)),
            vector=_vector,
            indexed_fields=frozenset(),  # its own columns never change: the event's do (watched)
            title_field="event__title",
            text_fields=("event__title", "event__description", "event__place"),
            snippet_fields=("event_description",),
            date_field="event__starts_at",
            describe=_describe,
            for_display=lambda rows: rows.select_related("event__community").annotate(
                event_description=F("event__description")
            ),
            watches=(Watch(Event, _document_ids),),
            filters={
                "community": lambda community: Q(event__community=community),
                "author": lambda username: Q(event__organiser__username=username),
            },
            order=45,
        )
    )
