"""Notification titles stop carrying the actor's name ("Carmen replied to your thread “Pipes”"
becomes "replied to your thread “Pipes”"; Notification.text puts the live name back when
shown), so a deleted account leaves no name in other members' notifications.

Titles of members deleted before this migration named them with no user row left to tell who:
they lose the name too and read "A former member ...". So do the email-log subjects of the
single-notification emails about them (the only member email whose subject named someone).
Reversing puts the actor's current name back in front ("Someone" when the account is gone).
"""

import re

from django.conf import settings
from django.db import migrations

# What each kind's title says after the actor's name, as discussions/services/notifying.py
# wrote them. A title that matches none is left as it is.
VERBS = {
    "reply": ("replied to your post in “", "replied to your thread “"),
    "mention": ("mentioned you in “",),
    "followed_post": ("posted in “",),
}
PATTERNS = {kind: re.compile(r"^.*? (" + "|".join(map(re.escape, verbs)) + ")") for kind, verbs in VERBS.items()}
FORMER = "A former member"
BATCH = 2000


def strip_names(apps, schema_editor):
    Notification = apps.get_model("members", "Notification")
    EmailDelivery = apps.get_model("members", "EmailDelivery")
    alias = schema_editor.connection.alias
    changed = []
    for notification in Notification.objects.using(alias).filter(kind__in=VERBS).only("kind", "title").iterator(BATCH):
        match = PATTERNS[notification.kind].match(notification.title)
        if match:
            notification.title = notification.title[match.start(1) :]
            changed.append(notification)
        if len(changed) >= BATCH:
            Notification.objects.using(alias).bulk_update(changed, ["title"])
            changed = []
    Notification.objects.using(alias).bulk_update(changed, ["title"])

    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    orphaned = Notification.objects.using(alias).filter(kind__in=VERBS, actor=None, email_delivery__isnull=False)
    for notification in orphaned.select_related("email_delivery").iterator(BATCH):
        delivery = notification.email_delivery
        if delivery.subject.endswith(f" {notification.title}"):
            start = prefix if prefix and delivery.subject.startswith(prefix) else ""
            delivery.subject = f"{start}{FORMER} {notification.title}"[:300]
            delivery.save(update_fields=["subject"])


def put_names_back(apps, schema_editor):
    Notification = apps.get_model("members", "Notification")
    alias = schema_editor.connection.alias
    changed = []
    for notification in (
        Notification.objects.using(alias).filter(kind__in=VERBS).select_related("actor").iterator(BATCH)
    ):
        actor = notification.actor
        who = (actor.display_name or actor.username) if actor is not None else "Someone"
        if not PATTERNS[notification.kind].match(notification.title):
            notification.title = f"{who} {notification.title}"[:300]
            changed.append(notification)
    Notification.objects.using(alias).bulk_update(changed, ["title"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("members", "0007_data_export")]

    operations = [migrations.RunPython(strip_names, put_names_back)]
