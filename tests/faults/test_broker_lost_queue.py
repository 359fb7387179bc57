"""Redis restarted without persistence while the workers were down (a host reboot, a deploy):
every message waiting in it is gone, including the reply's `notify_post`, before any
notification or email record existed. The outbox row written with the reply is the durable
record: beat's flush-task-outbox publishes the task again once it is overdue, and the member
who was replied to gets their notification and one email."""

import time
import uuid

import pytest
from celery import Celery

from cop_platform.models import TaskOutbox
from members.models import Notification
from tests.engagement.worker import Worker, wait_for

from .conftest import needs_postgres, redis_processes, thread_with_author_and_replier
from .web_server import Browser, WebServer

REDELIVER_AFTER = 2  # TASK_OUTBOX_REDELIVER_AFTER of the processes


@pytest.mark.integration
def test_replies_queued_while_the_workers_were_down_survive_a_redis_restart(
    transactional_db, redis_server, sink, queue, tmp_path
):
    needs_postgres()
    author, replier, thread = thread_with_author_and_replier()
    processes = redis_processes(
        redis_server, queue, NOTIFICATION_EMAIL_DELAY_SECONDS=1, TASK_OUTBOX_REDELIVER_AFTER=REDELIVER_AFTER
    )
    web = WebServer(log_path=tmp_path / "web.log", workers=1, EMAIL_URL=sink.url, **processes).start()
    worker = None
    try:
        browser = Browser(web.url)
        assert browser.sign_in(replier.email, "correct horse battery staple")[0] == 302
        replies = 3
        for number in range(replies):
            reply = {"body": f"Ours halved in May ({number})", "submission_key": uuid.uuid4().hex}
            assert browser.post(f"/c/water/discussions/{thread.pk}/reply/", reply)[0] == 302
        recorded = TaskOutbox.objects.filter(task_name="discussions.tasks.notify_post")
        recorded_count, published = recorded.count(), recorded.exclude(published_at=None).count()

        redis_server.restart()  # no worker took them: the queue dies with Redis
        worker = Worker(email_url=sink.url, log_path=tmp_path / "worker.log", queue=queue, **processes).start()
        time.sleep(2)
        lost = not Notification.objects.filter(recipient=author).exists()

        time.sleep(REDELIVER_AFTER)  # overdue now: the messages were lost, not slow
        Celery("fault-beat", broker=redis_server.url(0), set_as_current=False).send_task(
            "cop_platform.tasks.flush_task_outbox", queue=queue
        )
        notified = wait_for(lambda: Notification.objects.filter(recipient=author).count() == replies, 30)
        emailed = sink.wait_for(1, timeout=30)
        time.sleep(3)  # a second email would arrive now
        left_in_outbox = wait_for(lambda: not TaskOutbox.objects.exists(), 10)
    finally:
        web.stop()
        if worker:
            worker.stop()

    emails = sink.to(author.email)
    print(
        f"\nlost queue: replies posted={replies}, recorded in the outbox={recorded_count} "
        f"(published={published}); after the Redis restart notifications={int(not lost)}; after the flush: "
        f"notifications={Notification.objects.filter(recipient=author).count()} emails expected=1 "
        f"received={len(emails)} duplicated={max(0, len(emails) - 1)}; outbox emptied={left_in_outbox}"
    )
    assert published == replies, "each reply's task was published (else the restart loses nothing)"
    assert lost, "the restart lost the queued tasks (else this test proves nothing)"
    assert notified and emailed
    assert len(emails) == 1 and f"{replies} new replies" in emails[0]["Subject"]
    assert left_in_outbox, "finished tasks leave the outbox"
