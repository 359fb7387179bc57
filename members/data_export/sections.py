"""Members' own sections of a data export: the profile (with the photo), notifications, email
preferences and the log of emails sent. Registered from members' AppConfig.ready()."""

from allauth.account.models import EmailAddress
from django.utils.translation import gettext_noop

from ..mailing import preferences_for
from ..models import EmailDelivery, Notification
from ..notifications import visible_notifications
from .registry import ExportSection

CHUNK = 500


def profile(user, archive) -> dict:
    addresses = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    return {
        "username": user.username,
        "email": user.email,
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary} for address in addresses
        ],
        "display_name": user.display_name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "headline": user.headline,
        "bio_markdown": user.bio,
        "bio_html": user.bio_html,
        "organisation": user.organisation,
        "discipline": user.discipline,
        "country": user.country.code or "",
        "languages": user.languages,
        "expertise": sorted(user.expertise.names()),
        "time_zone": user.time_zone,
        "profile_visibility": user.profile_visibility,
        "photo": archive.add_file("avatar.png", user.avatar) if user.avatar else None,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_staff": user.is_staff,
    }


def _notification_record(notification, *, visible: bool) -> dict:
    record = {
        "kind": notification.kind,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "emailed_at": notification.emailed_at,
    }
    if visible:
        record.update(title=notification.text, url=notification.url)
    return record


def notifications(user, archive):
    """Every notification. Those about content the member can no longer see (a community
    left, a post since hidden) keep only their kind and dates, as on /notifications/: the
    title could repeat what others wrote where the member no longer has access."""
    rows = Notification.objects.filter(recipient=user).select_related("actor").order_by("created_at", "pk")
    chunk = []
    for notification in rows.iterator(chunk_size=CHUNK):
        chunk.append(notification)
        if len(chunk) == CHUNK:
            yield from _checked(user, chunk)
            chunk = []
    yield from _checked(user, chunk)


def _checked(user, chunk):
    visible = {notification.pk for notification in visible_notifications(user, chunk)}
    for notification in chunk:
        yield _notification_record(notification, visible=notification.pk in visible)


def email_preferences(user, archive) -> dict:
    prefs = preferences_for(user)
    return {
        "replies": prefs.replies,
        "mentions": prefs.mentions,
        "digest_frequency": prefs.digest_frequency,
        "digest_hour": prefs.digest_hour,
        "digest_weekday": prefs.digest_weekday,
        "reminders": prefs.reminders,
        "coordinator_alerts": prefs.coordinator_alerts,
        "changed_at": prefs.updated_at,
        # Communities muted by email are in memberships.json ("email_muted").
    }


def email_log(user, archive):
    deliveries = EmailDelivery.objects.filter(recipient=user).order_by("created_at", "pk")
    for delivery in deliveries.iterator(chunk_size=CHUNK):
        yield {
            "kind": delivery.kind,
            "subject": delivery.subject,
            "summary": delivery.summary,
            "state": delivery.state,
            "created_at": delivery.created_at,
            "sent_at": delivery.sent_at,
        }


SECTIONS = (
    ExportSection("profile", gettext_noop("your profile, email addresses and expertise"), profile, order=0),
    ExportSection("notifications", gettext_noop("your notifications"), notifications, order=60),
    ExportSection("email_preferences", gettext_noop("what you asked us to email you"), email_preferences, order=70),
    ExportSection("email_log", gettext_noop("the emails we sent you (kept for a limited time)"), email_log, order=80),
)
