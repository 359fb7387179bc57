"""`manage.py poll_imap_mailbox [--url URL] [--batch N]`: poll the INBOUND_IMAP_URL mailbox once,
as beat does every INBOUND_IMAP_POLL_SECONDS: to check the settings after setting them up, or
to empty a mailbox by hand. Prints what it did; exits 1 if the mailbox could not be read.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from email_gateway import imap


class Command(BaseCommand):
    help = "Take the unseen messages of the IMAP mailbox (INBOUND_IMAP_URL) into the site, once."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="another mailbox than INBOUND_IMAP_URL (same form)")
        parser.add_argument("--batch", type=int, help="at most this many messages (INBOUND_IMAP_BATCH)")

    def handle(self, *args, url=None, batch=None, **options):
        mailbox = imap.parse_imap_url(url) if url else None
        if mailbox is None and imap.configured_mailbox() is None:
            raise CommandError("INBOUND_IMAP_URL is not set (or pass --url).")
        result = imap.poll_mailbox(mailbox=mailbox, batch=batch)
        self.stdout.write(json.dumps(result.as_dict()))
        if result.status == "error":
            raise CommandError(result.error)
