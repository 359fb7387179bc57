"""Per-community email mute and mailing-list mode: the list under /settings/ and the toggles on
each community page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .email_mute import membership_set_email_muted
from .mailing_list import membership_set_mailing_list_mode
from .models import Community, Membership


@login_required
def email_mutes(request):
    """The member's communities, each with a mute / unmute button."""
    memberships = Membership.objects.filter(user=request.user).active().select_related("community")
    page_obj = Paginator(memberships.order_by("community__name"), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "communities/email_mutes.html", {"page_obj": page_obj, "memberships": page_obj.object_list})


@login_required
@require_POST
def email_mute(request, slug):
    """Mute (muted=1) or unmute (muted=0) the community's emails; back to where the member was."""
    community = get_object_or_404(Community.objects.visible_to(request.user), slug=slug)
    muted = request.POST.get("muted") == "1"
    if membership_set_email_muted(actor=request.user, community_id=community.pk, muted=muted):
        if muted:
            messages.success(request, f"You'll get no more emails about {community.name}. You can still read it here.")
        else:
            messages.success(request, f"Emails about {community.name} are on again.")
    else:
        messages.error(request, f"Only members of {community.name} can mute its emails.")
    return redirect(_back(request, community))


@login_required
@require_POST
def mailing_list_mode(request, slug):
    """Turn mailing-list mode on (on=1) or off (on=0); back to where the member was."""
    community = get_object_or_404(Community.objects.visible_to(request.user), slug=slug)
    on = request.POST.get("on") == "1"
    if membership_set_mailing_list_mode(actor=request.user, community_id=community.pk, on=on):
        if on:
            messages.success(
                request,
                f"Mailing-list mode is on: every new post in {community.name} will reach you by email as it happens.",
            )
        else:
            messages.success(request, f"Mailing-list mode is off for {community.name}.")
    else:
        messages.error(request, f"Only members of {community.name} can get its posts by email.")
    return redirect(_back(request, community))


def _back(request, community) -> str:
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = community.get_absolute_url()
    return next_url
