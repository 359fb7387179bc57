"""Every write to the library: adding files, links and practices, new versions, edits,
curation (feature, archive) and deletion.

Files are checked (resources.uploads) before anything is written; a file is saved under a
random name inside the same transaction as its row, and removed again if the transaction
fails, so a failed upload leaves nothing behind. Deleting a resource or a version removes its
files after the deletion commits.
"""

import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import AuditEntry, Community
from communities.services import membership_of
from cop_platform.markdown import render_markdown
from cop_platform.page_cache import invalidate_site

from . import permissions
from .models import Resource, ResourceKind, ResourceVersion
from .uploads import IMAGE_FORMATS, check_upload, stored_image_without_metadata

EDITABLE_FIELDS = ("title", "summary", "language", "licence", "url", "body", "review_by")


def _audit(*, resource, actor, action, detail=""):
    if resource.origin_id is not None:  # the thread it came from lists it (cop_platform/page_cache.py)
        invalidate_site()
    AuditEntry.objects.create(
        community=resource.community, actor=actor, action=action, detail=(detail or resource.title)[:300]
    )


def _validate_link(url: str) -> None:
    if not url.lower().startswith(("http://", "https://")):
        raise ValidationError({"url": _("Links must start with http:// or https://.")})


def _render(resource: Resource) -> None:
    resource.body_html = render_markdown(resource.body) if resource.kind == ResourceKind.PRACTICE else ""


@contextmanager
def _files_removed_on_failure():
    """Collect the names of files stored inside the block; if the block fails (and with it the
    transaction that would have recorded them), delete those files so nothing is left behind."""
    stored: list[ResourceVersion] = []
    try:
        yield stored
    except BaseException:
        for version in stored:
            version.file.storage.delete(version.file.name)
        raise


def resource_create(
    *, actor, community: Community, kind: str, title: str, tags=(), upload=None, origin=None, **fields
) -> Resource:
    """Add a file, a link or a documented practice: active members (and staff). A practice
    may name its origin (the thread it was documented from, already checked as visible)."""
    if not permissions.can_add_resource(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("Only members of this community can add to its library."))
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"owner"}
    if unknown:
        raise TypeError(f"Unknown resource fields: {sorted(unknown)}")
    if kind not in ResourceKind.values:
        raise ValidationError({"kind": _("Choose a file, a link or a practice.")})
    resource = Resource(community=community, kind=kind, title=(title or "").strip(), author=actor, **fields)
    if kind == ResourceKind.LINK:
        _validate_link(resource.url)
    if kind == ResourceKind.PRACTICE:
        resource.owner = resource.owner or actor
        if not resource.body.strip():
            raise ValidationError({"body": _("Write the practice before saving it.")})
    if origin is not None:
        resource.origin_type = ContentType.objects.get_for_model(origin.object)
        resource.origin_id = origin.object.pk
        resource.origin_title = origin.title[:200]
        resource.origin_url = origin.url[:500]
    checked = _checked(upload) if kind == ResourceKind.FILE else None
    _render(resource)
    resource.full_clean(exclude=["author", "owner", "current_version", "origin_type"])
    with _files_removed_on_failure() as stored, transaction.atomic():
        resource.save()
        resource.tags.set(list(tags))
        if checked is not None:
            stored.append(_store_version(resource=resource, actor=actor, checked=checked, note=""))
        _audit(resource=resource, actor=actor, action="resource_added")
    return resource


def _checked(upload):
    if upload is None:
        raise ValidationError({"upload": _("Choose a file to upload.")})
    try:
        return check_upload(upload)
    except ValidationError as error:
        raise ValidationError({"upload": error.messages}) from error


def _store_version(*, resource: Resource, actor, checked, note: str) -> ResourceVersion:
    """Number, store and record one file. Caller holds a transaction and the resource lock."""
    number = (resource.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ResourceVersion(
        resource=resource,
        number=number,
        storage_token=secrets.token_hex(16),
        extension=checked.extension,
        original_name=checked.display_name,
        content_type=checked.content_type,
        size=checked.size,
        note=note.strip()[:300],
        uploaded_by=actor,
    )
    checked.content.seek(0)  # the upload, or an image's copy without its metadata
    version.file.save("upload", checked.content, save=False)  # upload_to ignores the name: random
    version.save()
    Resource.objects.filter(pk=resource.pk).update(current_version=version, updated_at=timezone.now())
    resource.current_version = version
    return version


def version_add(*, actor, resource: Resource, upload, note: str = "") -> ResourceVersion:
    """Upload a new version of a file: it becomes the current one, older ones stay."""
    if resource.kind != ResourceKind.FILE:
        raise ValidationError(_("Only uploaded files have versions."))
    if not permissions.can_edit_resource(actor, resource, membership_of(actor, resource.community)):
        raise PermissionDenied(_("Only the author and the coordinators can upload a new version."))
    checked = _checked(upload)
    with _files_removed_on_failure() as stored, transaction.atomic():
        Resource.objects.select_for_update().get(pk=resource.pk)  # one numbering at a time
        version = _store_version(resource=resource, actor=actor, checked=checked, note=note)
        stored.append(version)
        _audit(
            resource=resource,
            actor=actor,
            action="resource_version_added",
            detail=f"{resource.title} v{version.number}",
        )
    return version


def version_strip_image_metadata(*, version: ResourceVersion) -> bool:
    """Clean a library image stored before uploads were cleaned (GPS position, camera, dates):
    its copy without metadata is stored under a new random name and the old file deleted once
    that commits. An image without metadata, or a file that is not an image, is left as it is,
    so running this twice changes nothing the second time. Returns whether the file changed.
    Maintenance (the strip_image_metadata command): it changes no content, so it takes no actor.
    Raises ValidationError for an image that cannot be read."""
    if version.extension not in IMAGE_FORMATS:
        return False
    with version.file.open("rb") as stored_file:
        content = stored_image_without_metadata(stored_file)
    if content is None:
        return False
    with _files_removed_on_failure() as stored, transaction.atomic():
        locked = ResourceVersion.objects.select_for_update().get(pk=version.pk)
        if locked.file.name != version.file.name:
            return False  # replaced meanwhile: by a file that was cleaned on upload
        old_name, storage = locked.file.name, locked.file.storage
        locked.storage_token = secrets.token_hex(16)
        locked.size = content.size
        locked.file.save("upload", content, save=False)
        stored.append(locked)
        locked.save(update_fields=["storage_token", "file", "size"])
        transaction.on_commit(lambda: storage.delete(old_name))
    return True


def version_delete(*, actor, version: ResourceVersion) -> None:
    """Delete one version and its file; the last remaining version cannot be deleted (delete
    the resource instead)."""
    resource = version.resource
    if not permissions.can_edit_resource(actor, resource, membership_of(actor, resource.community)):
        raise PermissionDenied(_("Only the author and the coordinators can delete versions."))
    with transaction.atomic():
        Resource.objects.select_for_update().get(pk=resource.pk)
        if resource.versions.count() <= 1:
            raise ValidationError(_("This is the only version. Delete the resource instead."))
        name, storage = version.file.name, version.file.storage
        version.delete()
        latest = resource.versions.order_by("-number").first()
        Resource.objects.filter(pk=resource.pk).update(current_version=latest)
        resource.current_version = latest
        _audit(
            resource=resource,
            actor=actor,
            action="resource_version_deleted",
            detail=f"{resource.title} v{version.number}",
        )
        transaction.on_commit(lambda: storage.delete(name))


def resource_update(*, actor, resource: Resource, tags=None, **fields) -> Resource:
    """Edit a resource's description (and a practice's text and owner): its author or owner
    while a member, and the coordinators. A practice's owner must be a community member."""
    if not permissions.can_edit_resource(actor, resource, membership_of(actor, resource.community)):
        raise PermissionDenied(_("Only the author and the coordinators can edit this."))
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"owner"}
    if unknown:
        raise TypeError(f"Unknown resource fields: {sorted(unknown)}")
    owner = fields.get("owner")
    owner_membership = membership_of(owner, resource.community) if owner is not None else None
    if owner is not None and not (owner_membership and owner_membership.is_active):
        raise ValidationError({"owner": _("The owner must be a member of this community.")})
    for name, value in fields.items():
        setattr(resource, name, value)
    if resource.kind == ResourceKind.LINK:
        _validate_link(resource.url)
    _render(resource)
    resource.updated_at = timezone.now()
    resource.full_clean(exclude=["author", "owner", "current_version", "origin_type"])
    with transaction.atomic():
        resource.save()
        if tags is not None:
            resource.tags.set(list(tags))
        _audit(resource=resource, actor=actor, action="resource_updated")
    return resource


def resource_delete(*, actor, resource: Resource) -> None:
    """Delete a resource with all its versions; their files go once the deletion commits."""
    if not permissions.can_delete_resource(actor, resource, membership_of(actor, resource.community)):
        raise PermissionDenied(_("Only the author and the coordinators can delete this."))
    files = [(v.file.storage, v.file.name) for v in resource.versions.all()]
    with transaction.atomic():
        _audit(resource=resource, actor=actor, action="resource_deleted")
        resource.delete()
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])


def resource_set_featured(*, actor, resource: Resource, featured: bool) -> Resource:
    if not permissions.can_curate(actor, resource.community, membership_of(actor, resource.community)):
        raise PermissionDenied(_("Only coordinators can feature resources."))
    with transaction.atomic():
        Resource.objects.filter(pk=resource.pk).update(is_featured=featured)
        resource.is_featured = featured
        _audit(resource=resource, actor=actor, action="resource_featured" if featured else "resource_unfeatured")
    return resource


def resource_set_archived(*, actor, resource: Resource, archived: bool) -> Resource:
    """Archive (keep, but out of the default listing) or bring back: coordinators."""
    if not permissions.can_curate(actor, resource.community, membership_of(actor, resource.community)):
        raise PermissionDenied(_("Only coordinators can archive resources."))
    with transaction.atomic():
        resource.archived_at = timezone.now() if archived else None
        Resource.objects.filter(pk=resource.pk).update(archived_at=resource.archived_at)
        _audit(resource=resource, actor=actor, action="resource_archived" if archived else "resource_unarchived")
    return resource


def practice_mark_reviewed(*, actor, resource: Resource) -> Resource:
    """The owner (or anyone who may edit it) checked the practice and it still holds: its
    next review is due PRACTICE_REVIEW_INTERVAL_DAYS from today."""
    if resource.kind != ResourceKind.PRACTICE:
        raise ValidationError(_("Only documented practices have a review date."))
    if not permissions.can_edit_resource(actor, resource, membership_of(actor, resource.community)):
        raise PermissionDenied(_("Only the practice's owner, its author or a coordinator can mark it reviewed."))
    review_by = timezone.localdate() + timedelta(days=settings.PRACTICE_REVIEW_INTERVAL_DAYS)
    with transaction.atomic():
        Resource.objects.filter(pk=resource.pk).update(review_by=review_by)
        resource.review_by = review_by
        _audit(resource=resource, actor=actor, action="practice_reviewed", detail=f"next review by {review_by}")
    return resource


def resource_record_download(*, resource: Resource, version: ResourceVersion) -> None:
    """Count a download (of the resource and of that version). The caller has already
    applied the visibility policy."""
    Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)
    ResourceVersion.objects.filter(pk=version.pk).update(download_count=F("download_count") + 1)


def resource_record_view(*, resource: Resource) -> None:
    Resource.objects.filter(pk=resource.pk).update(view_count=F("view_count") + 1)
