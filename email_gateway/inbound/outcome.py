"""What became of one inbound message, for the caller (an MTA pipe, the IMAP poller, a webhook)."""

import os
from dataclasses import dataclass

# sysexits.h: what an MTA pipe understands. 0 accepted (whatever we did with it: posted,
# held, refused with our own answer, ignored); EX_TEMPFAIL asks the MTA to keep the message and
# try again later (the database is down). We never exit EX_NOUSER/EX_DATAERR for mail we
# answered ourselves: the MTA would send its own bounce on top of ours.
EX_OK = getattr(os, "EX_OK", 0)
EX_TEMPFAIL = getattr(os, "EX_TEMPFAIL", 75)

POSTED = "posted"
THREAD_STARTED = "thread_started"
HELD = "held_for_confirmation"
REFUSED = "refused"
IGNORED = "ignored"
DUPLICATE = "duplicate"
BOUNCE_HANDLED = "bounce_handled"
# Not recorded: nothing was decided, the MTA (or the poller) keeps the message and tries again.
DEFERRED = "deferred"


@dataclass(frozen=True)
class Outcome:
    status: str
    detail: str = ""
    post_id: int | None = None
    thread_id: int | None = None
    inbound_id: int | None = None

    @property
    def exit_code(self) -> int:
        return EX_TEMPFAIL if self.status == DEFERRED else EX_OK

    @property
    def accepted(self) -> bool:
        """Whether the message was dealt with for good (a poller may delete it)."""
        return self.status != DEFERRED

    def __str__(self) -> str:
        ids = "".join(
            f" {name}={value}"
            for name, value in (("thread", self.thread_id), ("post", self.post_id), ("record", self.inbound_id))
            if value
        )
        return f"{self.status}{ids}: {self.detail}" if self.detail else f"{self.status}{ids}"
