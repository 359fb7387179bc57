"""Tables of the cross-cutting layer: only the task outbox."""

from django.db import models
from django.utils import timezone


class TaskOutbox(models.Model):
    """A task a committed write asked for, kept until a worker has finished it.

    The row is written in the same transaction as the write that wants the task (a post, a
    join request), so the work is durable from the moment the write commits: it is published
    after the commit, and `cop_platform.tasks.flush_task_outbox` publishes again any row the
    broker never took (down, unreachable, too slow) or lost (Redis restarted without
    persistence before a worker finished the task). A worker deletes the row when the task
    ends. So a dead or amnesiac broker delays work but never loses it."""

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    countdown = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When the broker last took it (None: never yet), and when a worker should have started it
    # (publication plus countdown, or a retry's delay): a row long past that lost its message.
    published_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "task in the outbox"
        verbose_name_plural = "tasks in the outbox"

    def __str__(self):
        return f"{self.task_name} ({self.created_at:%Y-%m-%d %H:%M})"
