"""Fault 10: the worker rides out a lost broker, and a hung one. Before the fix it exited (rc=1, `AttributeError:
'NoneType' object has no attribute 'hostname'`) whenever Redis went away while it held an
unacknowledged message, which it nearly always does: every notification email waits in the
worker for its countdown. See cop_platform.celery.Consumer."""

import re
import signal
import sys
import time

import pytest
from celery import Celery

from tests.engagement.worker import Worker, wait_for

from .conftest import needs_postgres

DOWNTIME = 10
FREEZE = 8  # longer than BROKER_WORKER_SOCKET_TIMEOUT (5 s)

COMMAND_LINES = {
    # The integration tests' worker (tests/engagement/worker.py).
    "solo": {},
    # The production unit: `celery -A cop_platform worker --loglevel INFO --concurrency 2`.
    "prefork": {"command": [sys.executable, "-m", "celery", "-A", "cop_platform", "worker", "--loglevel", "INFO",
                            "--concurrency", "2"]},
}  # fmt: skip


def _log_has(worker: Worker, pattern: str, offset: int = 0) -> bool:
    return re.search(pattern, worker.log_path.read_text()[offset:]) is not None


@pytest.mark.integration
@pytest.mark.parametrize("command_line", COMMAND_LINES)
def test_the_worker_keeps_running_through_a_redis_restart_and_then_runs_new_tasks(
    command_line, transactional_db, redis_server, sink, queue, tmp_path
):
    needs_postgres()
    worker = Worker(
        email_url=sink.url, log_path=tmp_path / "worker.log", queue=queue, CELERY_BROKER_URL=redis_server.url(0)
    )
    if "command" in COMMAND_LINES[command_line]:
        worker.command = COMMAND_LINES[command_line]["command"]
    worker.start()
    pid = worker.process.pid
    client = Celery("fault-client", broker=redis_server.url(0), set_as_current=False)
    try:
        # A task the worker holds unacknowledged for a minute, as it holds every email task.
        client.send_task("members.tasks.prune_email_deliveries", queue=queue, countdown=60)
        assert wait_for(lambda: _log_has(worker, r"Task members\.tasks\.prune_email_deliveries\[.*\] received"), 20)

        # As `systemctl restart redis-server` does: SIGTERM, down for DOWNTIME seconds, back empty.
        redis_server.process.send_signal(signal.SIGTERM)
        redis_server.process.wait(10)
        stopped = time.monotonic()
        time.sleep(DOWNTIME)
        redis_server.start()
        downtime = time.monotonic() - stopped
        alive_after_outage = worker.process.poll() is None

        offset = len(worker.log_path.read_text())
        client.send_task("cop_platform.tasks.flush_task_outbox", queue=queue)
        ran_new_task = wait_for(
            lambda: _log_has(worker, r"Task cop_platform\.tasks\.flush_task_outbox\[.*\] succeeded", offset), 30
        )
        same_pid = worker.process.poll() is None and worker.process.pid == pid

        # Then Redis hangs (SIGSTOP) for FREEZE seconds while a task comes due: its
        # acknowledgement times out; once Redis answers again the worker goes on consuming.
        client.send_task("celery.accumulate", args=("due during the freeze",), queue=queue, countdown=2)
        time.sleep(1)
        redis_server.freeze()
        time.sleep(FREEZE)
        redis_server.thaw()
        offset = len(worker.log_path.read_text())
        client.send_task("celery.accumulate", args=("after the freeze",), queue=queue)
        ran_after_freeze = wait_for(lambda: _log_has(worker, r"after the freeze", offset), 30)
        same_pid_after_freeze = worker.process.poll() is None and worker.process.pid == pid
    finally:
        worker.stop()

    print(
        f"\nfault 10 ({command_line} worker): Redis down {downtime:.1f}s; worker alive={alive_after_outage}, "
        f"same PID={same_pid}, ran a task sent after Redis came back={ran_new_task}; Redis frozen {FREEZE}s: "
        f"same PID={same_pid_after_freeze}, ran the next task={ran_after_freeze}"
    )
    assert alive_after_outage, worker.log_path.read_text()[-3000:]
    assert ran_new_task and same_pid
    assert ran_after_freeze and same_pid_after_freeze
    assert not _log_has(worker, "Unrecoverable error")
