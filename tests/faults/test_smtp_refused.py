"""The mail server refusing connections (issue 11, fault 12): the batch goes back to pending at
once (not left "sending" for the claim timeout), the task retries with backoff, and the mail
goes out within a few seconds of the server's return, each message once.

Real processes: a Celery worker whose EMAIL_URL points at a loopback port where nothing listens
yet; the SMTP sink is started on that port later, as the mail server coming back."""

import time
from collections import Counter

import pytest
from django.utils import timezone

from members.models import EmailDelivery
from tests.engagement.conftest import needs_worker
from tests.engagement.worker import TaskSender, Worker, drop_queue, fresh_queue, wait_for
from tests.faults.db_smtp_processes import SmtpSinkOnPort, members_due_a_digest
from tests.loopback import free_port

pytestmark = pytest.mark.integration
MEMBERS = 8
DOWN_SECONDS = 8


def test_digests_go_out_once_within_seconds_of_the_mail_server_returning(transactional_db, tmp_path):
    needs_worker()
    now = timezone.now()
    members = members_due_a_digest(MEMBERS, now)

    port = free_port()  # nothing listens there: every connection is refused
    queue = fresh_queue()
    worker = Worker(
        email_url=f"smtp://127.0.0.1:{port}", log_path=tmp_path / "worker.log", queue=queue, DIGEST_BATCH_SIZE=4
    ).start()
    try:
        started = time.monotonic()
        TaskSender(queue).send("communities.tasks.digests_schedule", now=now.isoformat())

        def refused_and_released():
            rows = list(EmailDelivery.objects.values_list("state", "error"))
            return len(rows) == MEMBERS and all(s == "pending" and "ConnectionRefused" in e for s, e in rows)

        released = wait_for(refused_and_released, timeout=10)
        released_after = time.monotonic() - started
        time.sleep(max(0, DOWN_SECONDS - released_after))
        with SmtpSinkOnPort(port) as sink:
            back = time.monotonic()
            all_received = sink.wait_for(MEMBERS, timeout=120)
            delivered_after = time.monotonic() - back
            time.sleep(1.5)  # a duplicate would arrive now
            received = Counter(m["To"] for m in sink.messages)
    finally:
        worker.stop()
        drop_queue(queue)

    deliveries = list(EmailDelivery.objects.all())
    duplicated = sum(count - 1 for count in received.values() if count > 1)
    retries = (tmp_path / "worker.log").read_text().count("Retry in")
    print(
        f"\nfault 12 (SMTP refusing for {DOWN_SECONDS}s): digests expected={MEMBERS} received={len(received)} "
        f"duplicated={duplicated} released_to_pending_after={released_after:.1f}s task_retries={retries} "
        f"delivered_within={delivered_after:.1f}s_of_server_return "
        f"states={dict(Counter(d.state for d in deliveries))} attempts={sorted({d.attempts for d in deliveries})}"
    )
    assert released  # not stuck in "sending" until EMAIL_CLAIM_TIMEOUT
    assert all_received
    assert sorted(received) == sorted(user.email for user in members)
    assert duplicated == 0
    assert {d.state for d in deliveries} == {"sent"}
    assert {d.attempts for d in deliveries} == {1}  # refused connections count against nobody
    assert delivered_after < 60
