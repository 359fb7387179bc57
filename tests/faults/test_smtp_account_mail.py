"""Sign-up and password reset while the mail server refuses connections (issue 11, fault 12):
the pages answer as usual (no 500), and each account email arrives exactly once, within
seconds of the mail server's return, through the worker's retries.

Real processes: gunicorn (DEBUG off) and a Celery worker sharing the test database and a queue
of their own, both sending to a loopback port where nothing listens until the SMTP sink starts
there."""

import http.cookiejar
import re
import time
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from members.models import AccountEmail
from tests.engagement.conftest import needs_worker
from tests.engagement.worker import Worker, database_url, drop_queue, fresh_queue
from tests.faults.db_smtp_processes import SmtpSinkOnPort, WebProcess
from tests.loopback import free_port
from tests.members.factories import UserFactory

pytestmark = pytest.mark.integration
DOWN_SECONDS = 8
PASSWORD = "correct horse battery staple"


def browser():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def submit(opener, url: str, fields: dict) -> tuple[int, str]:
    """GET the form (for its CSRF token), POST it, follow the redirect: (status, final path)."""
    page = opener.open(url, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
    with opener.open(urllib.request.Request(url, data=data), timeout=30) as response:  # noqa: S310 - loopback
        return response.status, urllib.parse.urlparse(response.url).path


def test_sign_up_and_reset_answer_normally_with_smtp_down_and_each_email_arrives_once(transactional_db, tmp_path):
    needs_worker()
    member = UserFactory(email="forgetful@example.org")
    port = free_port()
    queue = fresh_queue()
    email_url = f"smtp://127.0.0.1:{port}"
    worker = Worker(email_url=email_url, log_path=tmp_path / "worker.log", queue=queue).start()
    web = WebProcess(database_url=database_url(), tmp=tmp_path, queue=queue, EMAIL_URL=email_url).start()
    try:
        started = time.monotonic()
        signup = submit(
            browser(),
            f"{web.url}/accounts/signup/",
            {"email": "nadia@example.org", "username": "nadia", "password1": PASSWORD, "password2": PASSWORD},
        )
        reset = submit(browser(), f"{web.url}/accounts/password/reset/", {"email": member.email})
        answered_in = time.monotonic() - started
        time.sleep(max(0, DOWN_SECONDS - answered_in))
        waiting = Counter(AccountEmail.objects.values_list("state", flat=True))
        with SmtpSinkOnPort(port) as sink:
            back = time.monotonic()
            all_received = sink.wait_for(2, timeout=90)
            delivered_after = time.monotonic() - back
            time.sleep(1.5)  # a duplicate would arrive now
            received = Counter(m["To"] for m in sink.messages)
    finally:
        web.stop()
        worker.stop()
        drop_queue(queue)

    duplicated = sum(count - 1 for count in received.values() if count > 1)
    print(
        f"\nfault 12 (account emails, SMTP refusing for {DOWN_SECONDS}s): sign-up answered {signup[0]} "
        f"{signup[1]}, reset answered {reset[0]} {reset[1]} (both in {answered_in:.1f}s); "
        f"emails expected=2 received={sum(received.values())} duplicated={duplicated} "
        f"waiting_while_down={dict(waiting)} delivered_within={delivered_after:.1f}s_of_server_return"
    )
    assert signup == (200, "/accounts/confirm-email/")
    assert reset == (200, "/accounts/password/reset/done/")
    assert waiting == {"pending": 2}
    assert all_received
    assert received == {"nadia@example.org": 1, member.email: 1}
    assert set(AccountEmail.objects.values_list("state", flat=True)) == {"sent"}
    assert delivered_after < 60
