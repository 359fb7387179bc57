"""Tables of the cross-cutting layer: only the task outbox."""

from django.db import models
from django.utils import timezone


class TaskOutbox(models.Model):
    """A task that could not be handed to the broker (down, unreachable, too slow). The write
    that wanted it has committed; `cop_platform.tasks.flush_task_outbox` publishes it once the
    broker answers again, so a dead broker delays work but never loses it."""

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    countdown = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "queued task waiting for the broker"
        verbose_name_plural = "queued tasks waiting for the broker"

    def __str__(self):
        return f"{self.task_name} ({self.created_at:%Y-%m-%d %H:%M})"
