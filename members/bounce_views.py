"""The "It's fixed, send again" button of the bounce banner (members/bouncing.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .bouncing import bouncing_clear


@login_required
@require_POST
def bounce_fixed(request):
    """The member says their address works again: we email it again, and the banner goes. If
    it bounces again, the banner comes back with the new reason."""
    if bouncing_clear(actor=request.user, user=request.user):
        messages.success(request, _("Thank you. We will email %(address)s again.") % {"address": request.user.email})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "home"
    return redirect(target)
