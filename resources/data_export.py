"""The library's section of a member's data export: resources they added or uploaded a version
of, with the files of every version they uploaded. Registered in ResourcesConfig.ready()
(members.data_export.registry).

A version someone else uploaded is listed by number only, never copied: it is theirs. A
resource someone else added, where the member uploaded a version, is described only while the
member may still see it.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from communities.data_export import community_record
from members.data_export.registry import ExportSection

from .models import Resource, ResourceVersion

CHUNK = 200


def _version(version, *, user, archive) -> dict:
    record = {"number": version.number, "uploaded_by_you": version.uploaded_by_id == user.pk}
    if version.uploaded_by_id != user.pk:
        return record
    return {
        **record,
        "original_name": version.original_name,
        "content_type": version.content_type,
        "size": version.size,
        "note": version.note,
        "created_at": version.created_at,
        "file": archive.add_file(
            f"resources/{version.resource_id}/v{version.number}-{version.original_name}", version.file
        ),
    }


def resources(user, archive):
    visible = Resource.objects.visible_to(user).filter(pk=OuterRef("pk"))
    rows = (
        Resource.objects.filter(
            Q(author=user) | Q(pk__in=ResourceVersion.objects.filter(uploaded_by=user).values("resource_id"))
        )
        .select_related("community")
        .annotate(readable=Exists(visible))
        .prefetch_related(
            "tags",
            Prefetch(
                "versions",
                queryset=ResourceVersion.objects.only(
                    "pk",
                    "resource",
                    "number",
                    "uploaded_by",
                    "original_name",
                    "content_type",
                    "size",
                    "note",
                    "created_at",
                    "file",
                ).order_by("number"),
            ),
        )
        .order_by("created_at", "pk")
    )
    for resource in rows.iterator(chunk_size=CHUNK):
        versions = [_version(version, user=user, archive=archive) for version in resource.versions.all()]
        if resource.author_id != user.pk and not resource.readable:
            yield {
                "id": resource.pk,
                "title": None,
                "added_by_you": False,
                "versions": [v for v in versions if v["uploaded_by_you"]],
            }
            continue
        yield {
            "id": resource.pk,
            "added_by_you": resource.author_id == user.pk,
            "kind": resource.kind,
            "title": resource.title,
            "community": community_record(resource.community),
            "summary": resource.summary,
            "tags": sorted(tag.name for tag in resource.tags.all()),
            "language": resource.language,
            "licence": resource.licence,
            "url": resource.url,
            "body_markdown": resource.body,
            "body_html": resource.body_html,
            "review_by": resource.review_by,
            "created_at": resource.created_at,
            "updated_at": resource.updated_at,
            "archived_at": resource.archived_at,
            "versions": versions,
        }


SECTIONS = (
    ExportSection(
        "resources",
        _("library resources you added or uploaded, with your files under files/resources/"),
        resources,
        order=30,
    ),
)
