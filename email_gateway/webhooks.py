"""Mail in through an email provider's inbound webhook (Mailgun, Postmark, SendGrid, Amazon SES,
Brevo, MailerSend, Mailjet, Mailtrap, Postal, Resend, SparkPost), parsed by django-anymail.

The provider receives the mail for INBOUND_EMAIL_DOMAIN (its MX) and POSTs it to
`/email/inbound/<esp>/inbound/`; anymail's view checks and parses the request and sends its
`inbound` signal with an AnymailInboundMessage; `on_inbound` below hands the message's bytes to
`email_gateway.inbound.receive(..., transport="anymail:<esp>")`, like the MTA pipe and IMAP do.
Its tracking webhook, `/email/inbound/<esp>/tracking/`, reports bounces of our own mail
(email_gateway/tracking.py); it is guarded the same way.

What `guarded` adds around anymail's views, before anything is parsed:
- off unless INBOUND_WEBHOOK_SECRET is set (404): anymail alone would accept unauthenticated
  posts with a warning, and anyone could then post as any member whose reply address leaked;
- basic auth against that secret, answered 401 with a challenge (anymail answers 400, which
  some HTTP clients never follow with credentials); anymail checks it again itself;
- INBOUND_WEBHOOK_PER_MINUTE requests per client address (429 with Retry-After: providers retry),
  and INBOUND_WEBHOOK_MAX_BYTES per request (413). JSON posts (Postmark, SES, Resend, ...) up to
  that size are read here, so Django's 5 MB DATA_UPLOAD_MAX_MEMORY_SIZE for form posts does not
  cut a mail with attachments short; form posts (Mailgun, SendGrid) keep Django's limit on their
  text fields (files are not counted);
- a temporary failure of receive() (the database restarting: exit code 75) answers 503 with
  Retry-After, so the provider sends the message again later instead of dropping it.
CSRF: anymail's views are csrf_exempt (a provider has no CSRF token); `guarded` keeps exactly
that flag (functools.wraps copies it) and nothing else of ours is exempt.
"""

import functools
import logging

from anymail import urls as anymail_urls
from anymail.utils import get_request_basic_auth
from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import URLPattern
from django.utils.crypto import constant_time_compare

from cop_platform import ratelimit
from email_gateway.inbound import receive

logger = logging.getLogger(__name__)

TEMPFAIL = 75


class TemporaryFailure(Exception):
    """receive() could not take the message now; the provider must send it again later."""


def on_inbound(sender, event, esp_name, **kwargs):
    """anymail.signals.inbound receiver (connected in EmailGatewayConfig.ready)."""
    message = event.message
    recipient = getattr(message, "envelope_recipient", None)
    outcome = receive(
        message.as_bytes(),
        envelope_sender=getattr(message, "envelope_sender", None),
        recipients=[recipient] if recipient else None,
        transport=f"anymail:{esp_name.lower().replace(' ', '_')}",
    )
    logger.info("Inbound webhook (%s): %s %s", esp_name, outcome.status, outcome.detail)
    if outcome.exit_code == TEMPFAIL:
        raise TemporaryFailure(outcome.detail)


def _authorized(request, secret: str) -> bool:
    return constant_time_compare(get_request_basic_auth(request) or "", secret)


def guarded(view):
    @functools.wraps(view)  # keeps anymail's csrf_exempt and login_not_required flags
    def guarded_view(request, *args, **kwargs):
        secret = settings.INBOUND_WEBHOOK_SECRET
        if not secret:
            raise Http404("Inbound webhooks are off (INBOUND_WEBHOOK_SECRET is not set).")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("Bad Content-Length.", status=400, content_type="text/plain")
        if length > settings.INBOUND_WEBHOOK_MAX_BYTES:
            return HttpResponse("Message too large.", status=413, content_type="text/plain")
        client = request.META.get("REMOTE_ADDR", "")
        if not ratelimit.allow(f"inbound-webhook:{client}", limit=settings.INBOUND_WEBHOOK_PER_MINUTE, period=60):
            response = HttpResponse("Too many requests.", status=429, content_type="text/plain")
            response["Retry-After"] = "60"
            return response
        if request.method == "POST" and not _authorized(request, secret):
            response = HttpResponse("Authentication required.", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Basic realm="CoP Platform inbound email"'
            return response
        if request.method == "POST" and not request.content_type.startswith("multipart/"):
            # Read the body within our own cap, not Django's form-post limit (see the module).
            request._body = request.read(settings.INBOUND_WEBHOOK_MAX_BYTES + 1)
            if len(request._body) > settings.INBOUND_WEBHOOK_MAX_BYTES:
                return HttpResponse("Message too large.", status=413, content_type="text/plain")
        try:
            return view(request, *args, **kwargs)
        except TemporaryFailure as error:
            logger.warning("Inbound webhook: temporary failure (%s); the provider will retry", error)
            response = HttpResponse("Try again later.", status=503, content_type="text/plain")
            response["Retry-After"] = "120"
            return response

    return guarded_view


# anymail's inbound and tracking webhook routes (tracking: bounces reported by the provider,
# email_gateway/tracking.py), each guarded.
urlpatterns = [
    URLPattern(pattern.pattern, guarded(pattern.callback), name=pattern.name)
    for pattern in anymail_urls.urlpatterns
    if pattern.name and pattern.name.endswith(("_inbound_webhook", "_tracking_webhook"))
]
app_name = "email_inbound"
