"""Fault 9: Redis restarted without persistence seconds after a reply. The delayed email task
lived only in Redis (and in the memory of the worker holding its countdown), so it is gone;
the Notification row is the durable record, and beat's recover-notification-emails sends the
email from it, once."""

import time
import uuid
from datetime import timedelta

import pytest
from celery import Celery
from django.utils import timezone

from members import notification_emails
from members.mailing import preferences_save
from members.models import EmailDelivery, Notification, NotificationKind
from tests.discussions.factories import make_reply, make_thread
from tests.engagement.worker import Worker, wait_for

from .conftest import needs_postgres, redis_processes, thread_with_author_and_replier
from .web_server import Browser, WebServer

DELAY = 3  # NOTIFICATION_EMAIL_DELAY_SECONDS of the processes
MARGIN = 2  # NOTIFICATION_EMAIL_RECOVERY_MARGIN_SECONDS


@pytest.mark.integration
def test_a_reply_whose_email_task_died_with_redis_is_emailed_once_by_the_recovery(
    transactional_db, redis_server, sink, queue, tmp_path
):
    needs_postgres()
    author, replier, thread = thread_with_author_and_replier()
    processes = redis_processes(
        redis_server, queue, NOTIFICATION_EMAIL_DELAY_SECONDS=DELAY, NOTIFICATION_EMAIL_RECOVERY_MARGIN_SECONDS=MARGIN
    )
    worker = Worker(email_url=sink.url, log_path=tmp_path / "worker.log", queue=queue, **processes).start()
    web = WebServer(log_path=tmp_path / "web.log", workers=1, EMAIL_URL=sink.url, **processes).start()
    try:
        browser = Browser(web.url)
        assert browser.sign_in(replier.email, "correct horse battery staple")[0] == 302
        reply = {"body": "Ours halved in May", "submission_key": uuid.uuid4().hex}
        status, _, _ = browser.post(f"/c/water/discussions/{thread.pk}/reply/", reply)
        assert status == 302
        # The worker made the notification and holds its email task for DELAY seconds...
        assert wait_for(lambda: Notification.objects.filter(recipient=author).exists(), 20)
        posted = time.monotonic()
        # ...when the host restarts: Redis without persistence, and the worker with it.
        worker.kill()
        redis_server.restart()
        worker = Worker(email_url=sink.url, log_path=tmp_path / "worker.log", queue=queue, **processes).start()
        time.sleep(max(0, posted + DELAY + MARGIN + 1 - time.monotonic()))
        lost_before_recovery = sink.count() == 0 and not EmailDelivery.objects.exists()

        # Beat's recover-notification-emails, as beat sends it every 5 minutes.
        Celery("fault-beat", broker=redis_server.url(0), set_as_current=False).send_task(
            "members.tasks.recover_notification_emails", queue=queue
        )
        sink.wait_for(1, timeout=30)
        time.sleep(3)  # a second email would arrive now
    finally:
        web.stop()
        worker.stop()

    emails = sink.to(author.email)
    print(
        f"\nfault 9: reply posted, worker and Redis restarted {DELAY}s before its email was due; "
        f"email lost before recovery={lost_before_recovery}; after recovery: emails expected=1 "
        f"received={len(emails)} duplicated={max(0, len(emails) - 1)}"
    )
    assert lost_before_recovery, "the email task died with Redis (else this test proves nothing)"
    assert len(emails) == 1 and "Borehole yields" in emails[0]["Subject"]
    assert not Notification.objects.filter(emailed_at=None).exists()


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(community=community, author=member, title="Chlorination doses")


def _age(notification, seconds):
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))


@pytest.mark.django_db
def test_recovery_finds_unemailed_notifications_only_once_they_are_overdue(
    settings, thread, member, coordinator, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_EMAIL_DELAY_SECONDS = 120
    settings.NOTIFICATION_EMAIL_RECOVERY_MARGIN_SECONDS = 180
    with django_capture_on_commit_callbacks(execute=False) as after_post:
        make_reply(thread=thread, author=coordinator, body="Try 0.5 mg/l")
    # The notification is written; the email task it queues is dropped, as a lost broker would.
    with django_capture_on_commit_callbacks(execute=False):
        for callback in after_post:
            callback()
    [notification] = Notification.objects.filter(recipient=member, kind=NotificationKind.REPLY)

    _age(notification, 200)  # its task may still be coming
    assert notification_emails.recipients_with_stuck_emails() == []
    _age(notification, 400)  # overdue: its task was lost
    assert notification_emails.recipients_with_stuck_emails() == [member.pk]
    _age(notification, 3 * 24 * 3600)  # older than MAX_AGE: stale news is not emailed
    assert notification_emails.recipients_with_stuck_emails() == []

    _age(notification, 400)
    preferences_save(actor=member, user=member, replies="digest")
    assert notification_emails.recipients_with_stuck_emails() == []  # does not want it at once
    preferences_save(actor=member, user=member, replies="immediate")
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    assert notification_emails.recipients_with_stuck_emails() == []  # already emailed
