"""The page a "did you send this?" email links to: the held message, and a button to post it."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .inbound.confirmation import confirm_token, read_confirm_token
from .inbound.held import held_post, held_preview
from .inbound.refusals import error_text
from .models import HeldMessage


def _confirm_cutoff():
    return timezone.now() - timedelta(hours=settings.INBOUND_EMAIL_CONFIRM_HOURS)


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """Only the member the message was held for, signed in, with a link that has not expired;
    anyone else gets the same "not found" page (a 404 reveals nothing)."""
    found = read_confirm_token(token)
    held = None
    if found is not None and found[1] == request.user.pk:
        held = (
            HeldMessage.objects.select_related("community", "inbound", "reply_to", "post__thread")
            .filter(pk=found[0])
            .first()
        )
    if held is not None and held.created_at < _confirm_cutoff():
        held = None  # waited longer than INBOUND_EMAIL_CONFIRM_HOURS: it goes at the next prune
    if held is None or held.user_id != request.user.pk:
        return render(request, "email_gateway/confirm_invalid.html", status=404)
    error = ""
    if request.method == "POST" and held.posted_at is None:
        try:
            post = held_post(actor=request.user, held=held)
        except (ValidationError, PermissionDenied) as refused:
            error = error_text(refused)
        else:
            messages.success(request, _("Your email is posted."))
            return redirect(post.thread if post.is_opening else post)
    preview = held_preview(held)
    return render(
        request,
        "email_gateway/confirm.html",
        {"held": held, "preview": preview, "error": error, "token": token},
        status=400 if error else 200,
    )


@login_required
def held_list(request):
    """Every email of the signed-in member still waiting for their confirmation (we answer an
    address at most once an hour, so a second held email may have had no email of its own)."""
    waiting = (
        HeldMessage.objects.filter(user=request.user, posted_at=None, created_at__gte=_confirm_cutoff())
        .select_related("community", "inbound", "reply_to")
        .order_by("-created_at")
    )
    page = Paginator(waiting, 20).get_page(request.GET.get("page"))
    items = [(held, confirm_token(held)) for held in page]
    return render(request, "email_gateway/held_list.html", {"page": page, "items": items})
