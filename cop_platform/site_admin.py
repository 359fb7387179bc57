"""/admin/ for the Sites record, with a page where staff send a test email through the
configured mail server (EMAIL_URL) and see at once whether it was accepted or why not.
From a shell, Django's `manage.py sendtestemail you@example.org` does the same."""

import logging

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.sites.admin import SiteAdmin as DjangoSiteAdmin
from django.contrib.sites.models import Site
from django.core.mail import send_mail
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import __version__

logger = logging.getLogger(__name__)


class TestEmailForm(forms.Form):
    to = forms.EmailField(label=_("Send to"))


def test_email_send(*, to: str) -> None:
    """Send one plain message straight through the configured backend (no queue, no retry): its
    error, if any, is the answer the operator wants."""
    send_mail(
        subject=f"[{settings.SITE_NAME}] Test email",
        message=(
            f"This test email was sent from {settings.SITE_URL} (CoP Platform {__version__}) "
            f"through {settings.EMAIL_BACKEND.rsplit('.', 2)[-2]}. If you can read it, email works."
        ),
        from_email=None,
        recipient_list=[to],
        fail_silently=False,
    )


class SiteAdmin(DjangoSiteAdmin):
    change_list_template = "admin/sites/site/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.send_test_email_view)
        return [path("send-test-email/", view, name="send_test_email"), *super().get_urls()]

    def send_test_email_view(self, request):
        form = TestEmailForm(request.POST or None, initial={"to": request.user.email})
        if request.method == "POST" and form.is_valid():
            to = form.cleaned_data["to"]
            try:
                test_email_send(to=to)
            except Exception as error:  # noqa: BLE001 - any failure is what the page must show
                logger.warning("Test email to %s failed: %r", to, error)
                messages.error(
                    request,
                    gettext("The mail server did not accept it: %(error)s")
                    % {"error": f"{error.__class__.__name__}: {error}"},
                )
            else:
                messages.success(
                    request, gettext("Test email sent to %(to)s: the mail server accepted it.") % {"to": to}
                )
                return redirect("admin:send_test_email")
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Send a test email"),
            "form": form,
            "from_email": settings.DEFAULT_FROM_EMAIL,
            "backend": settings.EMAIL_BACKEND,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/send_test_email.html", context)


admin.site.unregister(Site)
admin.site.register(Site, SiteAdmin)
# Which release runs, where staff look first (also in /healthz).
admin.site.index_title = f"Site administration · CoP Platform {__version__}"
