"""Staff's view of mail in (/admin/): what arrived, what became of it, and what waits for a
member's confirmation. Read-only: posts are changed through the discussions admin, and a held
message is posted only by its member."""

from django.contrib import admin

from .models import HeldMessage, InboundMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "status", "sender", "recipient", "subject", "transport", "size", "answered")
    list_filter = ("status", "transport", "answered")
    search_fields = ("message_id", "sender", "recipient", "subject")
    list_select_related = ()
    date_hierarchy = "received_at"
    exclude = ("answer",)
    readonly_fields = (
        "message_id", "sender", "envelope_sender", "recipient", "subject", "transport", "status", "detail", "size",
        "received_at", "user", "thread", "post", "answered",
    )  # fmt: skip


@admin.register(HeldMessage)
class HeldMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "community", "posted_at")
    list_filter = ("posted_at",)
    search_fields = ("user__username", "user__email", "inbound__subject")
    list_select_related = ("user", "community")
    exclude = ("raw",)  # the sender's words: shown to them on the confirmation page, not to staff
    readonly_fields = ("inbound", "user", "community", "reply_to", "created_at", "posted_at", "post")
