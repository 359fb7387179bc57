"""Members in the staff admin (/admin/). Nothing here is on /manage/: coordinators manage
memberships of their communities, they do not browse the platform's users."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError

from . import services
from .models import EmailPreferences, User


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
    list_display = ("username", "email", "display_name", "discipline", "country", "is_active", "is_staff")
    list_filter = (*DjangoUserAdmin.list_filter, "profile_visibility")
    search_fields = (*DjangoUserAdmin.search_fields, "display_name", "organisation", "discipline")
    list_select_related = ()  # no foreign keys in the list
    actions = (remove_avatars,)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
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
