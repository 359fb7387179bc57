"""Members who existed before email preferences came to this installation keep what they had
then (no member email: no digests, reply or mention emails, reminders or coordinator alerts)
until they choose in /settings/notifications/. Without this, an upgrade would silently start
weekly digests and "email at once" replies for everyone, which is what the defaults give a
member who signs up now (README "Upgrades", CHANGELOG 0.10.0).

"Before" is when 0004 (which created the preferences) was applied here, as django_migrations
recorded it: on an upgrade that applies 0004 and this one together, that is every existing
member; on a fresh install, nobody. Members who already chose keep their choice.
"""

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder

QUIET = {
    "replies": "off",
    "mentions": "off",
    "digest_frequency": "off",
    "reminders": False,
    "coordinator_alerts": False,
}


def keep_earlier_members_quiet(apps, schema_editor):
    recorder = MigrationRecorder(schema_editor.connection)
    applied = (
        recorder.migration_qs.filter(app="members", name="0004_email_preferences_and_deliveries")
        .values_list("applied", flat=True)
        .first()
    )
    if applied is None:
        return
    User = apps.get_model("members", "User")
    EmailPreferences = apps.get_model("members", "EmailPreferences")
    alias = schema_editor.connection.alias
    earlier = (
        User.objects.using(alias)
        .filter(date_joined__lt=applied, email_preferences__isnull=True)
        .values_list("pk", flat=True)
    )
    EmailPreferences.objects.using(alias).bulk_create(
        (EmailPreferences(user_id=pk, **QUIET) for pk in earlier.iterator(chunk_size=2000)), batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_email_preferences_and_deliveries"),
    ]

    operations = [
        # Backwards: the rows stay, as choices a member might since have confirmed.
        migrations.RunPython(keep_earlier_members_quiet, migrations.RunPython.noop),
    ]
