"""Per-community email mute and mailing-list mode: the list under /settings/ and the toggles on
each community page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
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
    return _membership_toggle(
        request,
        slug,
        field="muted",
        change=lambda community, muted: membership_set_email_muted(
            actor=request.user, community_id=community.pk, muted=muted
        ),
        on=_("You'll get no more emails about %(name)s. You can still read it here."),
        off=_("Emails about %(name)s are on again."),
        refused=_("Only members of %(name)s can mute its emails."),
    )


@login_required
@require_POST
def mailing_list_mode(request, slug):
    """Turn mailing-list mode on (on=1) or off (on=0); back to where the member was."""
    return _membership_toggle(
        request,
        slug,
        field="on",
        change=lambda community, on: membership_set_mailing_list_mode(
            actor=request.user, community_id=community.pk, on=on
        ),
        on=_("Mailing-list mode is on: every new post in %(name)s will reach you by email as it happens."),
        off=_("Mailing-list mode is off for %(name)s."),
        refused=_("Only members of %(name)s can get its posts by email."),
    )


def _membership_toggle(request, slug, *, field: str, change, on: str, off: str, refused: str):
    """A member switching one setting of their membership: the community through the
    visibility policy (404 for one they may not see), the form's `field` "1" for on,
    `change(community, value)` (the service; falsy when they are not a member), the message
    `on`, `off` or `refused` with the community's %(name)s, and back to where they were."""
    community = get_object_or_404(Community.objects.visible_to(request.user), slug=slug)
    value = request.POST.get(field) == "1"
    if change(community, value):
        messages.success(request, (on if value else off) % {"name": community.name})
    else:
        messages.error(request, refused % {"name": community.name})
    return redirect(_back(request, community))


def _back(request, community) -> str:
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = community.get_absolute_url()
    return next_url
