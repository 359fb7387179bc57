"""`manage.py receive_email`: take one message from an MTA pipe (or a saved file).

Postfix (master.cf): `cop unix - n n - - pipe flags=Rq user=cop argv=/srv/cop/.venv/bin/python
/srv/cop/manage.py receive_email --sender ${sender} --recipient ${recipient}`. Prints one line
and exits 0 when the message was dealt with (posted, held, refused with our own answer,
ignored), 75 (EX_TEMPFAIL) when the database is down so the MTA keeps it and tries again.
"""

import logging
import sys

from django.core.management.base import BaseCommand

from email_gateway.inbound import receive
from email_gateway.inbound.outcome import DEFERRED, Outcome

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Receive one email message (from standard input, or --file) and post, hold or refuse it."

    def add_arguments(self, parser):
        parser.add_argument("--sender", help="The envelope sender (Postfix ${sender}; empty for bounces).")
        parser.add_argument(
            "--recipient", action="append", default=[], help="An envelope recipient (Postfix ${recipient}); repeatable."
        )
        parser.add_argument("--file", help="Read the message from this file instead of standard input.")
        parser.add_argument("--transport", default="pipe", help="How the message arrived, for the record.")

    def handle(self, *args, sender=None, recipient=(), file=None, transport="pipe", **options):
        if file:
            with open(file, "rb") as handle:
                raw = handle.read()
        else:
            raw = sys.stdin.buffer.read()
        try:
            outcome = receive(raw, envelope_sender=sender, recipients=list(recipient) or None, transport=transport)
        except Exception:
            # A bug must not make the MTA bounce a member's mail: keep it queued and retried,
            # where an administrator sees it, and log why.
            logger.exception("Inbound email failed")
            outcome = Outcome(DEFERRED, "Internal error; the message stays queued.")
        self.stdout.write(str(outcome))
        if outcome.exit_code:
            sys.exit(outcome.exit_code)
