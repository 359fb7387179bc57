"""A member's email preferences, and unsubscribing from an email link without signing in."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import mailing
from .forms import EmailPreferencesForm
from .services import profile_update


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    """Choose what we email you, when, and in which time zone."""
    preferences = mailing.preferences_for(request.user)
    data = request.POST if request.method == "POST" else None
    form = EmailPreferencesForm(data, instance=preferences, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            mailing.preferences_save(actor=request.user, user=request.user, **form.preference_fields())
            if form.cleaned_data["time_zone"] != request.user.time_zone:
                profile_update(actor=request.user, user=request.user, time_zone=form.cleaned_data["time_zone"])
        messages.success(request, _("Your email preferences have been saved."))
        return redirect("members:settings_notifications")
    status = 400 if form.errors else 200
    # email_in: the email gateway's settings (reply addresses) are linked when it is on.
    context = {"form": form, "email_in": bool(settings.INBOUND_EMAIL_DOMAIN)}
    return render(request, "members/settings_notifications.html", context, status=status)


def masked_email(address: str) -> str:
    """ "m***@example.org": enough for the owner to recognise, nothing for a stranger who was
    forwarded the email (the link works without signing in)."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if at else ""


@csrf_exempt  # the signed token authenticates; RFC 8058 clients send no CSRF token or cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET only shows what the link would stop (mail scanners follow links; nothing changes on
    GET). POST does it: the button on that page, or a mail client's one-click request. A
    resubscribe button on the confirmation undoes it."""
    found = mailing.read_unsubscribe_token(token)
    if found is None:
        return render(request, "members/unsubscribe_invalid.html", status=400)
    user, scope = found
    what = mailing.describe_scope(user, scope)
    context = {"token": token, "scope": scope, "what": what, "member": user, "address": masked_email(user.email)}
    if what is None:  # a community the member has left since: nothing to stop any more
        return render(request, "members/unsubscribe_done.html", {**context, "nothing_left": True})
    if request.method == "GET":
        return render(request, "members/unsubscribe_confirm.html", context)
    if request.POST.get("action") == "resubscribe":
        mailing.resubscribe(user=user, scope=scope)
        return render(request, "members/unsubscribe_done.html", {**context, "resubscribed": True})
    # The page's button and a mail client's RFC 8058 one-click POST (body
    # "List-Unsubscribe=One-Click") both land here and do the same.
    mailing.unsubscribe(user=user, scope=scope)
    return render(request, "members/unsubscribe_done.html", context)
