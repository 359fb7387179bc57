"""Members in the staff admin (/admin/). Nothing here is on /manage/: coordinators manage
memberships of their communities, they do not browse the platform's users."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.html import format_html

from cop_platform.page_cache import invalidate_site

from . import services
from .bouncing import bouncing_clear
from .data_export.requests import data_export_request
from .models import DataExport, DataExportState, EmailBounce, EmailBounceState, EmailPreferences, User


@admin.action(description="Remove the profile photo of selected members")
def remove_avatars(modeladmin, request, queryset):
    removed = 0
    for user in queryset.exclude(avatar=""):
        try:
            services.avatar_remove(actor=request.user, user=user)
        except (PermissionDenied, ValidationError) as error:
            modeladmin.message_user(request, f"{user}: {error}", messages.ERROR)
        else:
            removed += 1
    modeladmin.message_user(request, f"Photos removed: {removed}.", messages.SUCCESS)


@admin.action(description="Prepare a copy of the selected members' data (subject access request)")
def export_data(modeladmin, request, queryset):
    """Staff produce a member's data export, recorded as asked by them: they alone download
    it, from Data exports, once it is built."""
    queued = 0
    for user in queryset:
        try:
            data_export_request(actor=request.user, user=user)
        except (PermissionDenied, ValidationError) as error:
            modeladmin.message_user(
                request, f"{user.username}: {' '.join(getattr(error, 'messages', [str(error)]))}", messages.ERROR
            )
        else:
            queued += 1
    if queued:
        exports = reverse("admin:members_dataexport_changelist")
        modeladmin.message_user(
            request,
            format_html(
                'Data exports queued: {}. Download them from <a href="{}">Data exports</a> when ready '
                "(we email you too).",
                queued,
                exports,
            ),
            messages.SUCCESS,
        )


@admin.action(description="Email them again: their address is fixed (clears bouncing)")
def clear_bouncing(modeladmin, request, queryset):
    cleared = sum(bouncing_clear(actor=request.user, user=user) for user in queryset)
    modeladmin.message_user(request, f"Addresses no longer marked bouncing: {cleared}.", messages.SUCCESS)


class BouncingFilter(admin.SimpleListFilter):
    """Members whose current address bounces: we do not email them (members/bouncing.py)."""

    title = "email bouncing"
    parameter_name = "bouncing"

    def lookups(self, request, model_admin):
        return (("yes", "Bouncing"), ("no", "Delivering"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(email_bouncing_now=self.value() == "yes")
        return queryset


def _bouncing_now():
    """Whether the member's current address is bouncing, from the bounce state (the copy on
    the user row could be stale), as one subquery of the changelist's query."""
    return Exists(
        EmailBounceState.objects.filter(
            user=OuterRef("pk"), address=Lower(OuterRef("email")), bouncing_since__isnull=False
        )
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            "Profile",
            {
                "fields": (
                    "display_name",
                    "headline",
                    "bio",
                    "organisation",
                    "discipline",
                    "country",
                    "languages",
                    "expertise",
                    "avatar",
                    "time_zone",
                    "profile_visibility",
                )
            },
        ),
    )
    # Photos are only ever stored re-encoded by the profile service: staff can remove one
    # (action below) but not upload a file that skipped that step.
    readonly_fields = ("avatar",)
    list_display = (
        "username",
        "email",
        "email_bouncing",
        "display_name",
        "discipline",
        "country",
        "is_active",
        "is_staff",
    )
    list_filter = (*DjangoUserAdmin.list_filter, "profile_visibility", BouncingFilter)
    search_fields = (*DjangoUserAdmin.search_fields, "display_name", "organisation", "discipline")
    list_select_related = ()  # no foreign keys in the list
    actions = (remove_avatars, export_data, clear_bouncing)

    @admin.display(boolean=True, description="email bouncing", ordering="email_bouncing_now")
    def email_bouncing(self, user):
        return user.email_bouncing_now

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(email_bouncing_now=_bouncing_now())

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:  # a name, photo or active state shown on community pages
            invalidate_site()
        if change and "bio" in form.changed_data:
            # The profile service owns bio -> sanitised bio_html (e.g. a moderator clearing an
            # abusive bio must not leave the old HTML on the profile page).
            services.profile_update(actor=request.user, user=obj, bio=obj.bio)


@admin.register(EmailPreferences)
class EmailPreferencesAdmin(admin.ModelAdmin):
    """Staff can look up what a member asked for when they ask why an email came (or did not)."""

    list_display = ("user", "replies", "mentions", "digest_frequency", "digest_hour", "reminders", "updated_at")
    list_filter = ("digest_frequency", "replies", "mentions", "reminders", "coordinator_alerts")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(EmailBounceState)
class EmailBounceStateAdmin(admin.ModelAdmin):
    """Each address our email bounced from, and whether we still email it. Read-only: bounces set
    it, and the member's "It's fixed" (or the action on Users) clears it."""

    list_display = (
        "address",
        "user",
        "bouncing_since",
        "bounce_count",
        "soft_bounces",
        "last_bounce_status",
        "last_bounce_at",
    )
    list_filter = (("bouncing_since", admin.EmptyFieldListFilter), "last_bounce_status")
    search_fields = ("address", "user__username", "user__email")
    list_select_related = ("user",)
    readonly_fields = [field.name for field in EmailBounceState._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EmailBounce)
class EmailBounceAdmin(admin.ModelAdmin):
    """Every bounce received, as read, and what it changed."""

    list_display = ("received_at", "user", "address", "kind", "status", "outcome", "detail")
    list_filter = ("kind", "outcome")
    search_fields = ("address", "user__username", "user__email", "detail")
    list_select_related = ("user",)
    date_hierarchy = "received_at"
    readonly_fields = [field.name for field in EmailBounce._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    """Every data export and who asked for it (the member, or staff for a subject access
    request). Read-only: exports are asked for from a member's row (action above) or from
    Settings, and only whoever asked may download one."""

    list_display = (
        "user",
        "requested_by",
        "state",
        "created_at",
        "ready_at",
        "expires_at",
        "downloaded_at",
        "download",
    )
    list_filter = ("state",)
    search_fields = ("user__username", "user__email", "requested_by__username")
    list_select_related = ("user", "requested_by")
    date_hierarchy = "created_at"
    fields = (
        "user",
        "requested_by",
        "state",
        "size",
        "created_at",
        "started_at",
        "ready_at",
        "expires_at",
        "downloaded_at",
        "attempts",
        "error",
        "download",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="download")
    def download(self, export):
        if not getattr(export, "asked_by_viewer", False) or export.state != DataExportState.READY:
            return ""
        return format_html('<a href="{}">Download</a>', reverse("members:data_export_download", args=[export.token]))

    def get_queryset(self, request):
        # The download column offers the link only to whoever asked (the view checks again).
        asked = ExpressionWrapper(Q(requested_by=request.user.pk), output_field=BooleanField())
        return super().get_queryset(request).annotate(asked_by_viewer=asked)
