"""Mail we never answer and never post: auto-replies, bounces, list traffic, mail from our own
addresses. Answering any of them is how mail loops start (RFC 3834 section 2: "automatic
responses SHOULD NOT be issued in response to ... automatically generated messages")."""

from email.message import EmailMessage

from ..addresses import gateway_domain
from .parsing import header

AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list"}
ROBOT_LOCAL_PARTS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply", "donotreply"}


def automatic_reason(message: EmailMessage, *, envelope_sender: str | None, sender: str) -> str:
    """Why this message is automatic and must be ignored, or "" for mail a person sent."""
    if envelope_sender is not None and envelope_sender.strip().strip("<>") == "":
        return "Null envelope sender (a bounce or other delivery report)."
    auto_submitted = header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted[:40]} (RFC 3834)."
    precedence = header(message, "Precedence").strip().lower()
    if precedence in AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}."
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if header(message, name):
            return f"{name} header (an auto-reply)."
    if header(message, "List-Id"):
        return "Sent by a mailing list (List-Id)."
    content_type = header(message, "Content-Type").lower()
    if content_type.startswith("multipart/report"):
        return "A delivery or read report (multipart/report)."
    if not sender:
        return "No readable From address: nobody to post as or answer."
    local, _, domain = sender.rpartition("@")
    if local in ROBOT_LOCAL_PARTS or local.startswith("mailer-daemon"):
        return f"Sent by a mail robot ({local})."
    if domain == gateway_domain():
        return "Sent from one of our own addresses (a loop)."
    return ""
