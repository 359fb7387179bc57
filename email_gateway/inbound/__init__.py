"""Mail in: one entry point, `receive()`, for every transport (MTA pipe, IMAP, webhooks)."""

from .outcome import Outcome
from .receiving import receive

__all__ = ["Outcome", "receive"]
