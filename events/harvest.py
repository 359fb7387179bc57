"""After the meeting: what it produced. Coordinators (and the organiser) link library resources
(notes, slides, recordings) to an occurrence, and anyone who may add to the library can turn
what was learnt into a documented practice ("Document this", the same flow as for a thread:
the event is an origin in communities.origins).

Links are stored generically (events.materials.EventMaterial) and shown through
communities.linkables, which resources fills: each viewer sees only the materials they may
read, one query per kind of linked content, however many there are.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from communities.linkables import Linked, linkable_kind, linkable_kind_for_model, linkable_kinds
from communities.origins import Origin, backlinks_for, follow_ups_for
from communities.services import membership_of

from .models import Event, Occurrence, Rsvp
from .models_life import EventMaterial
from .permissions import can_edit_event


@dataclass(frozen=True)
class Material:
    pk: int
    linked: Linked
    kind: str


def can_link_materials(user, event, membership=None) -> bool:
    if not (user and user.is_authenticated):
        return False
    return can_edit_event(user, event, membership if membership is not None else membership_of(user, event.community))


def materials_for(user, occurrence: Occurrence) -> list[Material]:
    """The materials of `occurrence` that `user` may see, in the order they were linked."""
    rows = list(EventMaterial.objects.filter(occurrence=occurrence).values_list("pk", "content_type_id", "object_id"))
    if not rows:
        return []
    shown: dict[tuple[int, int], tuple[str, Linked]] = {}
    for type_id in {type_id for _, type_id, _ in rows}:
        content_type = ContentType.objects.get_for_id(type_id)  # cached after the first page
        kind = linkable_kind_for_model(content_type.model_class())
        if kind is None:
            continue
        ids = [object_id for _, t, object_id in rows if t == type_id]
        for object_id, linked in kind.visible(user, ids).items():
            shown[(type_id, object_id)] = (kind.name, linked)
    return [
        Material(pk=pk, linked=shown[(type_id, object_id)][1], kind=shown[(type_id, object_id)][0])
        for pk, type_id, object_id in rows
        if (type_id, object_id) in shown
    ]


def link_choices(user, occurrence: Occurrence) -> list[tuple[str, str]]:
    """What `user` could link: (value "kind:id", label), the community's library newest first,
    leaving out what is linked already."""
    taken = set(EventMaterial.objects.filter(occurrence=occurrence).values_list("content_type__model", "object_id"))
    found = []
    for kind in linkable_kinds():
        model_name = kind.model._meta.model_name
        for linked in kind.choices(user, occurrence.event.community):
            if (model_name, linked.id) not in taken:
                found.append(
                    (f"{kind.name}:{linked.id}", f"{linked.title} ({linked.label})" if linked.label else linked.title)
                )
    return found


def material_link(*, actor, occurrence: Occurrence, kind_name: str, object_id: int) -> EventMaterial:
    """Link content (`kind_name` "resource", its id) to an occurrence. Only those who may edit
    the event may; the content must be something the actor may see, from the event's community
    (what the choices offer). Linking the same thing twice gives one link."""
    event = occurrence.event
    if not can_link_materials(actor, event):
        raise PermissionDenied(
            gettext("Only the event's organiser and the community's coordinators can add materials.")
        )
    if occurrence.starts_at > timezone.now():
        raise ValidationError(gettext("Notes, slides and recordings are linked once the event has started."))
    kind = linkable_kind(kind_name)
    allowed = {linked.id for linked in kind.choices(actor, event.community)} if kind else set()
    if object_id not in allowed:
        raise ValidationError(gettext("Choose something from this community's library that you can see."))
    content_type = ContentType.objects.get_for_model(kind.model)
    try:
        with transaction.atomic():
            material, _ = EventMaterial.objects.get_or_create(
                occurrence=occurrence,
                content_type=content_type,
                object_id=object_id,
                defaults={"added_by": actor},
            )
    except IntegrityError:  # a double submit raced us: the link exists
        material = EventMaterial.objects.get(occurrence=occurrence, content_type=content_type, object_id=object_id)
    return material


def material_unlink(*, actor, material: EventMaterial) -> None:
    """Remove a link (the resource itself stays in the library)."""
    if not can_link_materials(actor, material.occurrence.event):
        raise PermissionDenied(
            gettext("Only the event's organiser and the community's coordinators can remove materials.")
        )
    material.delete()


def event_as_origin(user, event_id: int) -> Origin | None:
    """An event as the origin of a documented practice ("Document this"), if `user` may see it."""
    event = Event.objects.visible_to(user).select_related("community").filter(pk=event_id).first()
    if event is None:
        return None
    return Origin(
        object=event,
        title=event.title,
        url=event.get_absolute_url(),
        community=event.community,
        label=gettext("Event"),
    )


def harvest_for(user, occurrence: Occurrence) -> dict:
    """The harvest block of an event page: materials, practices documented from the event,
    "Document this" for those who may add to the library, and whether the viewer may link."""
    event = occurrence.event
    attended = None
    if occurrence.attendance_recorded_at:
        attended = Rsvp.objects.filter(occurrence=occurrence, attended=True).count()
    return {
        "occurrence": occurrence,
        "attended": attended,
        "materials": materials_for(user, occurrence),
        "documented": backlinks_for(event, user),
        "follow_ups": follow_ups_for(event, user),
        "can_link": can_link_materials(user, event),
    }
