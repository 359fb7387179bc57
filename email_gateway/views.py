"""The page a "did you send this?" email links to: the held message, and a button to post it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .inbound.confirmation import read_confirm_token
from .inbound.held import held_post, held_preview
from .inbound.refusals import error_text
from .models import HeldMessage


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """Only the member the message was held for, signed in, with a link that has not expired;
    anyone else gets the same "not found" page (a 404 reveals nothing)."""
    found = read_confirm_token(token)
    held = None
    if found is not None and found[1] == request.user.pk:
        held = HeldMessage.objects.select_related("community", "inbound", "thread").filter(pk=found[0]).first()
    if held is None or held.user_id != request.user.pk:
        return render(request, "email_gateway/confirm_invalid.html", status=404)
    error = ""
    if request.method == "POST" and held.posted_at is None:
        try:
            thread = held_post(actor=request.user, held=held)
        except (ValidationError, PermissionDenied) as refused:
            error = error_text(refused)
        else:
            messages.success(request, "Your email is posted.")
            return redirect(thread)
    preview = held_preview(held)
    return render(
        request,
        "email_gateway/confirm.html",
        {"held": held, "preview": preview, "error": error, "token": token},
        status=400 if error else 200,
    )
