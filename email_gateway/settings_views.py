"""The member's side of email-in under /settings/: stopping every reply address at once."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .addresses import email_in_enabled, gateway_domain, revoke_reply_addresses


@login_required
@require_http_methods(["GET", "POST"])
def reply_addresses(request):
    """GET explains what the reply addresses are and asks to confirm; POST revokes them all
    (a forwarded email can no longer post as the member). New emails carry new addresses."""
    if request.method == "POST" and email_in_enabled():
        revoke_reply_addresses(actor=request.user, user=request.user)
        messages.success(
            request,
            _(
                "Your old reply addresses are stopped: mail sent to them is refused. "
                "Emails we send you from now on carry new ones."
            ),
        )
        return redirect("email_gateway:reply_addresses")
    return render(
        request,
        "email_gateway/reply_addresses.html",
        {"email_in": email_in_enabled(), "domain": gateway_domain()},
    )
