"""Staff can see the tasks in the outbox: each task a write asked for stays there until a worker
has finished it, so a long list of old, unpublished or overdue rows means the broker, the
workers or beat are down."""

from django.contrib import admin

from . import site_admin  # noqa: F401 - registers the Sites admin with its test email page
from .models import TaskOutbox


@admin.register(TaskOutbox)
class TaskOutboxAdmin(admin.ModelAdmin):
    list_display = ("created_at", "task_name", "published_at", "due_at", "attempts", "last_error")
    list_filter = (("published_at", admin.EmptyFieldListFilter),)
    search_fields = ("task_name",)
    list_select_related = ()
    readonly_fields = (
        "task_name", "kwargs", "countdown", "created_at", "published_at", "due_at", "attempts", "last_error"
    )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
