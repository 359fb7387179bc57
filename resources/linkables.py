"""The library as something events can link to (communities.linkables): notes, slides and
recordings of a meeting, shown on the event page only to those who may read them."""

from communities.linkables import LinkableKind, Linked

from .models import Resource

CHOICES_SHOWN = 100


def _linked(resource: Resource) -> Linked:
    return Linked(
        id=resource.pk, title=resource.title, url=resource.get_absolute_url(), label=resource.get_kind_display()
    )


def visible(user, ids) -> dict[int, Linked]:
    rows = Resource.objects.visible_to(user).filter(pk__in=list(ids)).select_related("community")
    return {resource.pk: _linked(resource) for resource in rows.only("pk", "title", "kind", "community__slug")}


def choices(user, community) -> list[Linked]:
    rows = (
        Resource.objects.visible_to(user)
        .current()
        .filter(community=community)
        .select_related("community")
        .only("pk", "title", "kind", "community__slug")
        .order_by("-created_at", "-pk")[:CHOICES_SHOWN]
    )
    return [_linked(resource) for resource in rows]


KIND = LinkableKind(name="resource", model=Resource, visible=visible, choices=choices)
