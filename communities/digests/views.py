""" "Send me my digest now": a member's own digest, built and sent at once, outside the
schedule. Offered on the /manage/ home page (for coordinators trying the feature, and the
demo), and open to any signed-in member since it only ever emails themself."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cop_platform.tasks import enqueue
from members.models import DeliveryState

from ..tasks import send_digest_batch
from .schedule import digest_plan_for_now


@require_POST
@login_required
def send_now(request):
    delivery = digest_plan_for_now(actor=request.user)
    if delivery is None:
        messages.info(request, _("Your digest is already on its way: you asked for one a moment ago."))
        return redirect("manage:index")
    # Through the outbox wrapper: a dead broker must not hang the page (recovery sends it later).
    enqueue(send_digest_batch, delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    if delivery.state == DeliveryState.SENT:
        messages.success(
            request,
            _("Your digest was sent to %(email)s: %(summary)s.")
            % {"email": request.user.email, "summary": delivery.summary},
        )
    elif delivery.state == DeliveryState.SKIPPED:
        messages.info(request, _("Nothing new in your communities for your digest period, so no email was sent."))
    else:
        messages.success(
            request,
            _("Your digest is being prepared and will reach %(email)s shortly.") % {"email": request.user.email},
        )
    return redirect("manage:index")
