"""Post attachments: the composer's upload endpoint (button, paste, drop) and handing a file to
whoever may read its post. The plain file field of the composer forms (no JavaScript) goes
through `read_attachments`, which the writing views call."""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from communities.services import membership_of
from cop_platform.file_delivery import StoredFile, attachment_response

from .. import permissions
from ..models import Post, PostAttachment
from ..services import attachments as attachment_services
from ._shared import _content_community

logger = logging.getLogger(__name__)

FILE_FIELD = "attachment_files"
IDS_FIELD = "attachment_ids"
# Shown inline only when this site re-encoded them (images); everything else downloads.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


@dataclass
class Attached:
    """The composer's files in one submit: uploads waiting for the post (kept across a refused
    submit as hidden ids), and why any file of this submit was refused."""

    pending: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [attachment.pk for attachment in self.pending]


def read_attachments(request, community) -> Attached:
    """Store the files of a composer form's plain file field and collect the uploads it already
    lists; a refused file's reason goes beside the field, the others are kept."""
    attached = Attached()
    listed = [pk for pk in request.POST.getlist(IDS_FIELD) if pk.isdigit()]
    attached.pending = list(PostAttachment.objects.filter(pk__in=listed, uploader=request.user, post=None))
    for upload in request.FILES.getlist(FILE_FIELD):
        try:
            attached.pending.append(
                attachment_services.attachment_upload(actor=request.user, community=community, upload=upload)
            )
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            attached.errors.append(f"{upload.name}: {reason}")
    return attached


@login_required
@require_POST
def attachment_upload(request, community_slug):
    """The composer's upload (button, paste, drop): one file in, the Markdown to insert out."""
    community, _membership = _content_community(request, community_slug)
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": gettext("Choose a file to attach.")}, status=400)
    try:
        attachment = attachment_services.attachment_upload(actor=request.user, community=community, upload=upload)
    except PermissionDenied as error:
        return JsonResponse({"error": str(error)}, status=403)
    except ValidationError as error:
        return JsonResponse({"error": f"{upload.name}: {' '.join(error.messages)}"}, status=400)
    return JsonResponse(
        {
            "id": attachment.pk,
            "name": attachment.original_name,
            "size": filesizeformat(attachment.size),
            "url": attachment.get_absolute_url(),
            "markdown": attachment.markdown(),
        },
        status=201,
    )


def attachment(request, attachment_id, name):
    """An attachment, to those who may read its post: the thread visible to them (so access
    follows a thread moved to another community), and for a hidden post its author and the
    coordinators only. An upload not yet in a post is its uploader's alone. Anything else,
    or a deleted post, is a 404."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    item = get_object_or_404(PostAttachment.objects.select_related("post"), pk=attachment_id)
    if item.post_id is None:
        if not request.user.is_authenticated or item.uploader_id != request.user.pk:
            raise Http404("No such file.")
    else:
        post = get_object_or_404(
            Post.objects.visible_to(request.user).select_related("thread__community"), pk=item.post_id
        )
        if post.is_deleted:
            raise Http404("No such file.")
        if post.is_hidden and not permissions.can_see_hidden_post(
            request.user, post, membership_of(request.user, post.thread.community)
        ):
            raise Http404("No such file.")
    try:
        return attachment_response(
            file=StoredFile(attachment_services.attachment_storage(), item.stored_name),
            filename=item.original_name,
            content_type=item.content_type,
            x_accel_prefix=settings.POST_ATTACHMENT_X_ACCEL_PREFIX,
            inline=item.is_image and item.content_type in INLINE_TYPES,
        )
    except OSError:
        logger.warning("Post attachment missing from storage: %s (attachment %s)", item.stored_name, item.pk)
        raise Http404("This file is missing.") from None
