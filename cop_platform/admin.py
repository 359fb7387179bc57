"""Staff can see tasks waiting for the broker (the outbox): a long list means the broker or
the beat process is down."""

from django.contrib import admin

from . import site_admin  # noqa: F401 - registers the Sites admin with its test email page
from .models import TaskOutbox


@admin.register(TaskOutbox)
class TaskOutboxAdmin(admin.ModelAdmin):
    list_display = ("created_at", "task_name", "attempts", "last_error")
    search_fields = ("task_name",)
    list_select_related = ()
    readonly_fields = ("task_name", "kwargs", "countdown", "created_at", "attempts", "last_error")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
