"""/admin/ (platform staff): endpoints and their deliveries, to look into a failing receiver.
Changes go through the pages (/c/<slug>/webhooks/, /settings/webhooks/), which use the services."""

from django.contrib import admin

from .models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "community", "active", "consecutive_failures", "created_by", "created_at")
    list_filter = ("active",)
    search_fields = ("url", "description", "community__name")
    list_select_related = ("community", "created_by")
    readonly_fields = ("secret", "created_at", "updated_at", "disabled_at", "disabled_reason", "consecutive_failures")
    raw_id_fields = ("community", "created_by")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("event_type", "endpoint", "status", "attempts", "response_code", "created_at", "last_attempt_at")
    list_filter = ("status", "event_type")
    search_fields = ("event_id", "endpoint__url")
    list_select_related = ("endpoint",)
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False
