"""Files and images in posts: uploading, giving them to the post that uses them, and removing
them with it.

Every file goes through the library's checks (cop_platform.upload_checks): its content must be
what its name says, nothing a browser could run is accepted, images are re-encoded without
their metadata (a phone photo of a site does not publish where and when it was taken), and each
file is capped at POST_ATTACHMENT_MAX_BYTES. Files are stored under random names in
STORAGES["post_attachments"], outside MEDIA_ROOT.

An upload made while writing (the composer's button, paste or drop, or the plain file field of
a form that was then refused) waits, visible to its uploader only, until the post that lists or
shows it is submitted; the posting services then claim it for that post. Deleting a post, or a
row going with its thread or community, removes its files once the deletion commits.
"""

import re
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from communities.services import membership_of
from cop_platform.ratelimit import allow
from cop_platform.upload_checks import check_upload

from .. import permissions
from ..models import Post, PostAttachment

# Attachment addresses in Markdown; see PostAttachment.get_absolute_url.
ATTACHMENT_URL_RE = re.compile(r"/discussions/attachments/(\d+)/")
# Uploads nobody posted are removed after this long (a draft can keep its images that long).
PENDING_DAYS = 7


def attachment_storage():
    return storages["post_attachments"]


def attachment_upload(*, actor, community, upload) -> PostAttachment:
    """Check and store one file for a post being written in `community`: active members (and
    staff) only, at most POST_ATTACHMENT_UPLOADS_PER_HOUR files an hour. Raises
    ValidationError with the reason a file is refused."""
    if not permissions.can_start_thread(actor, community, membership_of(actor, community)):
        raise PermissionDenied(gettext("Only active members can attach files here."))
    if not allow(f"attach:{actor.pk}", limit=settings.POST_ATTACHMENT_UPLOADS_PER_HOUR, period=3600):
        raise ValidationError(
            gettext("You have attached many files in the last hour. Try again later; your text is kept.")
        )
    checked = check_upload(upload, max_bytes=settings.POST_ATTACHMENT_MAX_BYTES)
    _remove_expired_pending(actor)
    storage = attachment_storage()
    name = storage.save(f"{secrets.token_hex(1)}/{secrets.token_hex(16)}{checked.extension}", checked.content)
    try:
        return PostAttachment.objects.create(
            uploader=actor,
            stored_name=name,
            original_name=checked.display_name,
            content_type=checked.content_type,
            size=checked.size,
            width=checked.width,
            height=checked.height,
            alt_text=_default_alt(checked.display_name) if checked.is_image else "",
        )
    except BaseException:
        storage.delete(name)  # no row, no file
        raise


def _default_alt(display_name: str) -> str:
    """A starting description from the file name ("site-visit_2.jpg" -> "site visit 2"), for
    the member to improve in the inserted Markdown."""
    stem = display_name.rsplit(".", 1)[0]
    return re.sub(r"[-_.]+", " ", stem).strip()[:300]


def referenced_ids(body: str) -> set[int]:
    return {int(found) for found in ATTACHMENT_URL_RE.findall(body or "")}


def attachments_claim(*, actor, post: Post, ids=(), body: str = "") -> int:
    """Give `post` the waiting uploads of `actor` that the form listed (`ids`) or that its text
    shows or links. Others' uploads and those already in a post are left alone. Runs inside the
    posting transaction; at most POST_ATTACHMENTS_PER_POST per post."""
    wanted = {int(pk) for pk in ids if str(pk).isdigit()} | referenced_ids(body)
    if not wanted:
        return 0
    pending = PostAttachment.objects.filter(pk__in=wanted, uploader=actor, post=None)
    limit = settings.POST_ATTACHMENTS_PER_POST
    if post.attachments.count() + pending.count() > limit:
        raise ValidationError(
            ngettext(
                "A post can have at most %(limit)s attachment; remove some and try again.",
                "A post can have at most %(limit)s attachments; remove some and try again.",
                limit,
            )
            % {"limit": limit}
        )
    return pending.update(post=post)


def attachments_remove(*, post: Post) -> None:
    """Remove a post's attachments (the post is being deleted); the files go after the commit."""
    for attachment in post.attachments.all():
        attachment.delete()  # the post_delete receiver removes the file once committed


def remove_file_after_commit(sender, instance: PostAttachment, **kwargs) -> None:
    """post_delete receiver: whatever deleted the row (a post deleted, a thread or a community
    removed, an expired upload), its file goes once that deletion commits."""
    name = instance.stored_name
    transaction.on_commit(lambda: attachment_storage().delete(name))


def attachments_remove_pending_of_account(user) -> None:
    """Account deletion step: uploads never posted are the member's alone; they go with the
    account (files after the commit). Attachments of posts stay with the posts."""
    for attachment in PostAttachment.objects.filter(uploader=user, post=None):
        attachment.delete()


def _remove_expired_pending(actor) -> None:
    cutoff = timezone.now() - timezone.timedelta(days=PENDING_DAYS)
    for attachment in PostAttachment.objects.filter(uploader=actor, post=None, created_at__lt=cutoff):
        attachment.delete()


def attachments_prune_pending(*, batch: int = 500) -> int:
    """Daily: uploads nobody posted within PENDING_DAYS, of every member. Uploading removes the
    uploader's own old ones too, but a member who uploads once and never comes back would keep
    their files on disk for ever. Row by row, so each file goes after its deletion commits;
    returns how many went (a second run finds nothing more)."""
    cutoff = timezone.now() - timezone.timedelta(days=PENDING_DAYS)
    removed = 0
    for attachment in PostAttachment.objects.filter(post=None, created_at__lt=cutoff).order_by("pk")[:batch]:
        attachment.delete()
        removed += 1
    return removed


def inline_image_sizes(sources: list[str]) -> dict[str, tuple[int, int]]:
    """The Markdown renderer's image resolver: of the image addresses in a text, those of images
    attached on this site, with their pixel size (one query for the whole text). Whether a
    reader may fetch one is decided when it is requested."""
    by_id = {}
    for source in sources:
        match = ATTACHMENT_URL_RE.fullmatch(source.split("?")[0].rsplit("/", 1)[0] + "/") if source else None
        if match and source.startswith("/"):
            by_id.setdefault(int(match.group(1)), []).append(source)
    if not by_id:
        return {}
    sizes = PostAttachment.objects.filter(pk__in=by_id, width__isnull=False).values_list("pk", "width", "height")
    return {source: (width, height) for pk, width, height in sizes for source in by_id[pk]}
