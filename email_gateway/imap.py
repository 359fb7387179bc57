"""Mail in by polling an IMAP mailbox (INBOUND_IMAP_URL), for self-hosters whose inbound domain
ends in a mailbox they cannot pipe from: a hosted mailbox, an Exchange/Microsoft 365 or Google
Workspace account with IMAP on, a Dovecot on another machine.

Beat runs `poll_mailbox` every INBOUND_IMAP_POLL_SECONDS (email_gateway/transport_tasks.py). One
run logs in, takes at most INBOUND_IMAP_BATCH unseen messages (oldest first), hands each one to
`email_gateway.inbound.receive(raw, transport="imap")` exactly as the MTA pipe and the webhooks
do, and then deletes it (default) or moves it to INBOUND_IMAP_MOVE_TO. Why it is safe:

- It reads with BODY.PEEK, so reading alone never marks a message seen: a message whose
  processing failed for a passing reason (the database restarting: receive() raised or answered
  exit code 75) stays unseen and is taken again by the next run; the others go on.
- A message is flagged \\Seen \\Deleted (or moved) right after receive() returned, one at a
  time, so a worker killed mid-batch leaves only the message it was working on to be taken
  again; receive() posts a Message-ID at most once, the last line against a double post.
- Two runs at once (a beat tick fired twice, a slow run overlapping the next) would fetch the
  same messages: a lock in the cache (Redis in production) lets one run at a time; a cache that
  is down lets both through (cop_platform/cache.py fails open) and the Message-ID check holds.
- A connection or login failure is logged and the run ends; the next tick tries again. The task
  never retries by itself, so a wrong password is one log line per interval, not a crash loop.

Security of the connection: `imaps://` is TLS from the start (port 993), `imap://` upgrades with
STARTTLS (port 143) and refuses a server that does not offer it; plain text (`?tls=off`) is only
accepted to a loopback address, where nothing crosses a network.
"""

import contextlib
import imaplib
import ipaddress
import logging
import re
import ssl
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from email_gateway.inbound import receive

logger = logging.getLogger(__name__)

TEMPFAIL = 75  # EX_TEMPFAIL: the message is kept and offered again later
LOCK_KEY = "email_gateway:imap-poll"
_UID = re.compile(rb"UID (\d+)")


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    security: str = "starttls"  # "tls" (imaps), "starttls" or "none" (loopback only)


@dataclass
class PollResult:
    """What one run did, for the task's result and the log line."""

    status: str = "ok"  # ok | off | busy | error
    processed: int = 0
    deferred: int = 0  # left unseen for the next run
    outcomes: dict = field(default_factory=dict)  # receive() status -> count
    error: str = ""

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "processed": self.processed,
            "deferred": self.deferred,
            "outcomes": dict(self.outcomes),
            "error": self.error,
        }


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_imap_url(url: str) -> Mailbox:
    """`imaps://user:password@host:993/INBOX` -> Mailbox. Write @ as %40, / as %2F and : as %3A
    in the user name and password; the path is the folder to read (INBOX when empty)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ImproperlyConfigured("INBOUND_IMAP_URL must look like imaps://user:password@host:993/INBOX")
    if not parts.username or parts.password is None:
        raise ImproperlyConfigured("INBOUND_IMAP_URL needs a user name and a password: imaps://user:password@host/")
    options = {key.lower(): values[-1].lower() for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "imaps":
        security, default_port = "tls", 993
    elif options.get("tls") in ("off", "no", "false", "0"):
        if not _is_loopback(parts.hostname):
            raise ImproperlyConfigured(
                "INBOUND_IMAP_URL: ?tls=off sends the password in clear, and is only allowed to a loopback "
                "address; use imaps:// (or imap:// with STARTTLS) for another host"
            )
        security, default_port = "none", 143
    else:
        security, default_port = "starttls", 143
    return Mailbox(
        host=parts.hostname,
        port=parts.port or default_port,
        user=unquote(parts.username),
        password=unquote(parts.password),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        security=security,
    )


def configured_mailbox() -> Mailbox | None:
    url = getattr(settings, "INBOUND_IMAP_URL", "")
    return parse_imap_url(url) if url else None


def _connect(mailbox: Mailbox, timeout: float) -> imaplib.IMAP4:
    if mailbox.security == "tls":
        conn = imaplib.IMAP4_SSL(mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=timeout)
    else:
        conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
        if mailbox.security == "starttls":
            # Raises when the server does not offer STARTTLS: never log in in clear by accident.
            conn.starttls(ssl_context=ssl.create_default_context())
    conn.login(mailbox.user, mailbox.password)
    return conn


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(typ: str, data, what: str):
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what}: {typ} {data!r}")
    return data


def _fetch(conn: imaplib.IMAP4, uid: bytes) -> bytes | None:
    """The whole message, without setting \\Seen (BODY.PEEK); None if it vanished meanwhile."""
    data = _check(*conn.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


class _Finisher:
    """Takes processed messages out of the unseen set: moved to `move_to`, or flagged
    \\Seen \\Deleted and expunged (by UID where the server can, so that another client's
    deleted messages are left to it)."""

    def __init__(self, conn: imaplib.IMAP4, move_to: str):
        self.conn = conn
        self.move_to = move_to
        self.capabilities = {c.upper() for c in conn.capabilities}
        self.deleted: list[bytes] = []
        if move_to:
            conn.create(_quote(move_to))  # NO when it exists already: fine

    def done(self, uid: bytes) -> None:
        if self.move_to and "MOVE" in self.capabilities:
            _check(*self.conn.uid("MOVE", uid, _quote(self.move_to)), "MOVE")
            return
        if self.move_to:
            _check(*self.conn.uid("COPY", uid, _quote(self.move_to)), "COPY")
        _check(*self.conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen \Deleted)"), "STORE")
        self.deleted.append(uid)

    def close(self) -> None:
        if not self.deleted:
            return
        if "UIDPLUS" in self.capabilities:
            self.conn.uid("EXPUNGE", b",".join(self.deleted))
        else:
            self.conn.expunge()


def _receive(raw: bytes):
    """receive() as a (status, exit code) pair; an exception (the database gone mid-message) is
    a temporary failure: the message stays for the next run."""
    try:
        outcome = receive(raw, transport="imap")
    except Exception:  # noqa: BLE001 - whatever failed, the message must not be lost
        logger.exception("IMAP: a message could not be processed; it stays in the mailbox for the next poll")
        return "error", TEMPFAIL
    return outcome.status, outcome.exit_code


@contextlib.contextmanager
def _one_run_at_a_time(ttl: int):
    token = uuid.uuid4().hex
    acquired = cache.add(LOCK_KEY, token, timeout=ttl)
    try:
        yield acquired
    finally:
        if acquired and cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)


def poll_mailbox(*, mailbox: Mailbox | None = None, batch: int | None = None) -> PollResult:
    """Take up to `batch` unseen messages from the configured mailbox into receive(); see the
    module docstring for what happens to each. Never raises for a mailbox that cannot be
    reached: the result says so and the next run tries again."""
    result = PollResult()
    try:
        mailbox = mailbox or configured_mailbox()
    except ImproperlyConfigured as error:
        logger.error("IMAP polling is misconfigured: %s", error)
        return PollResult(status="error", error=str(error))
    if mailbox is None:
        return PollResult(status="off")
    batch = batch or settings.INBOUND_IMAP_BATCH
    timeout = settings.INBOUND_IMAP_TIMEOUT
    # A killed worker's lock expires after a few intervals; a run that outlives it may overlap
    # the next one, which the Message-ID record makes harmless.
    with _one_run_at_a_time(ttl=int(max(120, 4 * settings.INBOUND_IMAP_POLL_SECONDS))) as acquired:
        if not acquired:
            logger.info("IMAP: another poll of %s is running; this one does nothing", mailbox.host)
            return PollResult(status="busy")
        try:
            _poll(mailbox, batch=batch, timeout=timeout, result=result)
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as error:
            # OSError covers refused connections, timeouts and DNS failures.
            result.status, result.error = "error", f"{type(error).__name__}: {error}"
            logger.warning(
                "IMAP: polling %s@%s:%s failed (%s); the next poll tries again",
                mailbox.user,
                mailbox.host,
                mailbox.port,
                result.error,
            )
    if result.processed or result.deferred:
        logger.info("IMAP: %s", result.as_dict())
    return result


def _poll(mailbox: Mailbox, *, batch: int, timeout: float, result: PollResult) -> None:
    conn = _connect(mailbox, timeout)
    try:
        _check(*conn.select(_quote(mailbox.folder)), f"SELECT {mailbox.folder}")
        uids = _check(*conn.uid("SEARCH", None, "UNSEEN"), "SEARCH")[0].split()
        finisher = _Finisher(conn, settings.INBOUND_IMAP_MOVE_TO)
        try:
            for uid in sorted(uids, key=int)[:batch]:
                raw = _fetch(conn, uid)
                if raw is None:
                    continue
                status, exit_code = _receive(raw)
                if exit_code == TEMPFAIL:
                    result.deferred += 1
                    continue  # a message that fails every time must not hold up the others
                result.outcomes[str(status)] = result.outcomes.get(str(status), 0) + 1
                result.processed += 1
                finisher.done(uid)
        finally:
            finisher.close()
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()
