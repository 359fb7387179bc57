""" "Send me my digest now": a member's own digest, built and sent at once, outside the
schedule. Offered on the /manage/ home page (for coordinators trying the feature, and the
demo), and open to any signed-in member since it only ever emails themself."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from members.models import DeliveryState, EmailDelivery, EmailKind

from ..tasks import send_digest_batch
from .build import MANUAL


def manual_digest_key(now) -> str:
    """Its own key, so it never takes the place of the scheduled digest; one per minute, so
    a double click (or a script) sends one."""
    return f"digest:{MANUAL}:{now:%Y-%m-%dT%H:%M}"


@require_POST
@login_required
def send_now(request):
    try:
        with transaction.atomic():
            delivery = EmailDelivery.objects.create(
                recipient=request.user, kind=EmailKind.DIGEST, key=manual_digest_key(timezone.now())
            )
    except IntegrityError:
        messages.info(request, "Your digest is already on its way: you asked for one a moment ago.")
        return redirect("manage:index")
    send_digest_batch.delay(delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    if delivery.state == DeliveryState.SENT:
        messages.success(request, f"Your digest was sent to {request.user.email}: {delivery.summary}.")
    elif delivery.state == DeliveryState.SKIPPED:
        messages.info(request, "Nothing new in your communities for your digest period, so no email was sent.")
    else:
        messages.success(request, f"Your digest is being prepared and will reach {request.user.email} shortly.")
    return redirect("manage:index")
