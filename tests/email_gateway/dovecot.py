"""A real Dovecot IMAP server of the test's own, for the IMAP polling tests.

Debian's `dovecot-imapd` (.ci/run installs it), started as its own instance: its own
configuration in a temporary folder, listening on 127.0.0.1 on a free high port, plain text
login (loopback only), one user in a passwd-file and a Maildir in the same folder; nothing of
the system's Dovecot (if any) is read or touched. `dovecot -F` keeps it in the foreground, so
the test owns the process and stops it at the end.

As root, the mail user is `nobody` (Dovecot refuses mail access as uid 0) and the folder is
made traversable for it; as another user, Dovecot runs rootless as that user.
"""

import imaplib
import os
import pwd
import shutil
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.loopback import free_port

DOVECOT = "/usr/sbin/dovecot"
USER = "cop-inbound"
PASSWORD = "imap-test-password"


def needs_dovecot() -> None:
    if not os.path.exists(DOVECOT):
        if os.environ.get("CI"):
            pytest.fail("Dovecot is not installed (apt-get install dovecot-imapd), and CI must run the IMAP tests")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")


class Dovecot:
    def __init__(self, *, tls: bool = False):
        """tls=True: a self-signed certificate for 127.0.0.1 (self.ca_file), STARTTLS on the
        imap port, TLS on its own imaps port (self.tls_port), and no login without TLS."""
        self.port = free_port()
        self.tls = tls
        self.tls_port = free_port() if tls else 0
        # Not under pytest's tmp_path: that is 0700 root, which the mail user could not enter.
        self.root = Path(tempfile.mkdtemp(prefix="cop-dovecot-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX?tls=off"

    @property
    def ca_file(self) -> Path:
        return self.root / "cert.pem"

    def _certificate(self) -> str:
        key = self.root / "key.pem"
        command = [
            shutil.which("openssl") or "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(self.ca_file),
        ]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)  # noqa: S603 - our own command line
        return f"ssl = required\nssl_cert = <{self.ca_file}\nssl_key = <{key}\n"

    def _configure(self) -> Path:
        root = self.root
        os.chmod(root, 0o755)  # noqa: S103 - the mail user must enter it; it holds nothing secret
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("nobody")
            service_users = ""
        else:
            mail_user = pwd.getpwuid(os.geteuid())
            service_users = (
                f"default_internal_user = {mail_user.pw_name}\n"
                f"default_login_user = {mail_user.pw_name}\n"
                "default_internal_group = \n"
            )
        home = root / "home"
        (home / "Maildir").mkdir(parents=True)
        for path in (home, home / "Maildir"):
            os.chown(path, mail_user.pw_uid, mail_user.pw_gid)
        (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{mail_user.pw_uid}:{mail_user.pw_gid}::{home}::\n")
        (root / "run").mkdir()
        (root / "state").mkdir()
        config = root / "dovecot.conf"
        config.write_text(
            f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = cop-test-{self.port}
log_path = {root}/dovecot.log
{self._certificate() if self.tls else "ssl = no"}
disable_plaintext_auth = {"yes" if self.tls else "no"}
auth_mechanisms = plain login
first_valid_uid = {min(mail_user.pw_uid, 500)}
mail_location = maildir:~/Maildir
{service_users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users
}}
userdb {{
  driver = passwd-file
  args = {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
service lmtp {{
  unix_listener lmtp {{
  }}
}}
"""
        )
        return config

    def start(self, timeout: float = 15) -> "Dovecot":
        config = self._configure()
        self.log = (self.root / "stdout.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            [DOVECOT, "-F", "-c", str(config)], stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with self.client():
                    return self
            except (OSError, imaplib.IMAP4.error):
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Dovecot did not start on port {self.port}:\n{self.logs()}")

    def logs(self, tail: int | None = 3000) -> str:
        text = ""
        for name in ("stdout.log", "dovecot.log"):
            path = self.root / name
            if path.exists():
                whole = path.read_text(errors="replace")
                text += whole[-tail:] if tail else whole
        return text

    def settled_logs(self, quiet: float = 0.3, timeout: float = 5) -> str:
        """The logs once nothing was added to them for `quiet` seconds (Dovecot's processes
        write through its log service, a moment after the fact)."""
        deadline = time.monotonic() + timeout
        text = self.logs(tail=None)
        while time.monotonic() < deadline:
            time.sleep(quiet)
            if (newer := self.logs(tail=None)) == text:
                break
            text = newer
        return text

    def client(self) -> imaplib.IMAP4:
        """A logged-in IMAP client (a context manager: `with dovecot.client() as imap:`)."""
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=5)
        if self.tls:
            conn.starttls(ssl_context=ssl.create_default_context(cafile=self.ca_file))
        conn.login(USER, PASSWORD)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as imap:
            typ, data = imap.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            assert typ == "OK", data

    def messages(self, folder: str = "INBOX", criteria: str = "ALL") -> list[tuple[set[str], bytes]]:
        """(flags, raw message) of each message in `folder` matching `criteria`."""
        found = []
        with self.client() as imap:
            imap.select(folder, readonly=True)
            _, data = imap.uid("SEARCH", None, criteria)
            for uid in data[0].split():
                _, fetched = imap.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                flags = set(imaplib.ParseFlags(fetched[0][0]))
                found.append(({flag.decode() for flag in flags}, fetched[0][1]))
        return found

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process:
            self.log.close()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(name="dovecot")
def dovecot_fixture():
    """A running Dovecot of this test's own, stopped and removed at the end."""
    needs_dovecot()
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture(name="dovecot_tls")
def dovecot_tls_fixture():
    """The same, speaking only TLS (imaps port and STARTTLS) with a self-signed certificate."""
    needs_dovecot()
    server = Dovecot(tls=True).start()
    yield server
    server.stop()
