"""PostgreSQL restarted in the middle of a digest run (issue 11, fault 11): every member gets
their digest exactly once, and nobody waits for the claim timeout.

Real processes only: our own PostgreSQL (tests/faults/postgres_server.py, port 5491) that the
test stops and starts, a real Celery worker on it, and the loopback SMTP sink. The sink holds
each message a while, so the restart lands while the worker is between the server's "250 OK"
and recording the delivery sent: the step that doubled digests before."""

import time
from collections import Counter

import pytest
from django.utils import timezone

from members.models import EmailDelivery
from tests.engagement.smtp_sink import SmtpSink
from tests.engagement.worker import TaskSender, Worker, drop_queue, fresh_queue
from tests.faults.db_smtp_processes import members_due_a_digest, needs_redis
from tests.faults.postgres_server import retry_while_down

# The modules using our own PostgreSQL run on one worker, which starts it once (make test uses
# --dist loadgroup).
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("fault_postgres")]
MEMBERS = 20
OUTAGE_SECONDS = 4


def test_postgres_restart_mid_digest_run_sends_every_digest_once_without_waiting_for_claim_timeout(
    fault_database,  # tests/faults/conftest.py
    postgres_server,
    tmp_path,
):
    needs_redis()
    now = timezone.now()
    members = members_due_a_digest(MEMBERS, now)

    queue = fresh_queue()
    with SmtpSink(delay=0.4) as sink:
        # The claim timeout stays at its default (15 min): the run must not need it.
        worker = Worker(
            email_url=sink.url, log_path=tmp_path / "worker.log", queue=queue,
            DATABASE_URL=fault_database, DIGEST_BATCH_SIZE=5,
        ).start()  # fmt: skip
        try:
            TaskSender(queue).send("communities.tasks.digests_schedule", now=now.isoformat())
            deadline = time.monotonic() + 30
            while not (sink.count() >= 6 and sink.holding) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert sink.count() < MEMBERS, "the run finished before the restart: nothing was tested"

            # The server's "250 OK" for the held message comes while the database is down.
            postgres_server.stop()
            received_at_stop = sink.count()
            time.sleep(OUTAGE_SECONDS)
            postgres_server.start()
            back = time.monotonic()

            all_sent = sink.wait_for(MEMBERS, timeout=90)
            delivered_after = time.monotonic() - back
            time.sleep(1.5)  # a duplicate would arrive now
            states = retry_while_down(lambda: Counter(EmailDelivery.objects.values_list("state", flat=True)))
        finally:
            worker.stop()
            drop_queue(queue)

    received = Counter(m["To"] for m in sink.messages)
    duplicated = sum(count - 1 for count in received.values() if count > 1)
    log = (tmp_path / "worker.log").read_text()
    print(
        f"\nfault 11 (postgres restart mid-digest, {OUTAGE_SECONDS}s down): digests expected={MEMBERS} "
        f"received={len(received)} duplicated={duplicated} received_before_restart={received_at_stop} "
        f"all_delivered={delivered_after:.1f}s_after_restart states={dict(states)} "
        f"reconnect_waits_in_worker={log.count('Database unavailable while sending email')}"
    )
    assert "Database unavailable while sending email" in log  # the restart did hit the loop
    assert all_sent
    assert sorted(received) == sorted(user.email for user in members)
    assert duplicated == 0
    assert states == {"sent": MEMBERS}
    assert delivered_after < 60  # not after EMAIL_CLAIM_TIMEOUT (900 s)
