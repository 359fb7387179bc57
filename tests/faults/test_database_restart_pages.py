"""Page requests while PostgreSQL restarts (issue 11, fault 11): a 503 page with Retry-After,
never a bare 500, and pages come back by themselves once the database is back (persistent
connections, CONN_MAX_AGE, included).

Real processes: our own PostgreSQL on port 5491 (tests/faults/postgres_server.py) that the test
stops and starts, and gunicorn with DEBUG off serving the project against it. A client loops
over a few pages, anonymous and signed in, for the whole outage."""

import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass

import pytest
from django.test import Client

from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.faults.db_smtp_processes import WebProcess

# The modules using our own PostgreSQL run on one worker, which starts it once (make test uses
# --dist loadgroup).
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("fault_postgres")]
OUTAGE_SECONDS = 5


@dataclass
class Answer:
    status: int
    retry_after: str | None
    csp: str | None
    body: str
    at: float


def get(url: str, cookie: str | None) -> Answer:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    return Answer(
        status, headers.get("Retry-After"), headers.get("Content-Security-Policy"), body.decode(), time.monotonic()
    )


def test_pages_answer_503_with_retry_after_during_a_postgres_restart_and_recover_after(
    fault_database,  # tests/faults/conftest.py
    postgres_server,
    tmp_path,
):
    community = CommunityFactory(slug="water")
    member = MembershipFactory(community=community).user
    thread = make_thread(community=community, author=member, title="Field report")
    browser = Client()
    browser.force_login(member)
    signed_in = f"sessionid={browser.cookies['sessionid'].value}"
    pages = ["/", "/communities/", "/c/water/", "/c/water/discussions/", thread.get_absolute_url()]

    web = WebProcess(database_url=fault_database, tmp=tmp_path).start()
    answers: list[Answer] = []
    try:
        start = time.monotonic()
        stopped_at = back_at = None
        while time.monotonic() - start < OUTAGE_SECONDS + 12:
            for index, page in enumerate(pages):
                answers.append(get(web.url + page, signed_in if index % 2 else None))
            elapsed = time.monotonic() - start
            if stopped_at is None and elapsed > 3:
                postgres_server.stop()
                stopped_at = time.monotonic()
            elif back_at is None and stopped_at and time.monotonic() - stopped_at > OUTAGE_SECONDS:
                postgres_server.start()
                back_at = time.monotonic()
        postgres_server.stop()
        health_down_status = get(web.url + "/healthz", None).status
        postgres_server.start()
    finally:
        web.stop()

    statuses = Counter(answer.status for answer in answers)
    unavailable = [answer for answer in answers if answer.status == 503]
    after_back = [answer for answer in answers if answer.at > back_at + 2]
    other = len(answers) - statuses[200] - statuses[503] - statuses[500]
    with_retry_after = sum(1 for a in unavailable if a.retry_after)
    ok_after_back = sum(1 for a in after_back if a.status == 200)
    print(
        f"\nfault 11 (pages during a {OUTAGE_SECONDS}s postgres restart): requests={len(answers)} "
        f"200={statuses[200]} 503={statuses[503]} 500={statuses[500]} other={other} "
        f"503_with_retry_after={with_retry_after}/{len(unavailable)} "
        f"200_after_restart={ok_after_back}/{len(after_back)} healthz_while_down={health_down_status}"
    )
    assert statuses[500] == 0
    assert unavailable, "no request reached the restart: nothing was tested"
    assert all(answer.retry_after == "5" for answer in unavailable)
    assert all("Back in a moment" in answer.body for answer in unavailable)
    assert all("<script" not in answer.body and "style=" not in answer.body for answer in unavailable)
    assert all(answer.csp and "default-src 'self'" in answer.csp for answer in unavailable)
    assert set(statuses) <= {200, 503}
    assert after_back and all(answer.status == 200 for answer in after_back)  # the pool recovered
    assert health_down_status == 503
