"""The library in the admin: curation on the coordinator panel (/manage/) and the same tools
for staff on /admin/.

Members add and edit resources on the site; here coordinators feature, archive and delete
them. Nothing is edited in a form: every change is an action that calls `resources.services`
row by row, so featuring a resource here writes the same audit entry as the button on its
page, and deleting one removes its files from storage once the deletion commits. Deleting
asks first, on a page that names what will go.

Both sites share one admin per model (the `...AdminBase` classes) and differ only in scope,
as in communities/admin.py.
"""

from django.contrib import admin
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from cop_platform.admin_sites import (
    CoordinatedCommunityFilter,
    CoordinatorScopedAdmin,
    ReadOnlyAdmin,
    coordinator_site,
    per_row_action,
    site_link,
)

from . import services
from .models import Resource, ResourceKind, ResourceVersion


class LibraryAdmin(ReadOnlyAdmin):
    """Read-only admins whose only writes are actions that call the library services."""

    def file_totals(self, queryset) -> tuple[int, int]:
        """(number of stored files, their bytes) that deleting `queryset` removes."""
        raise NotImplementedError

    def deletion_note(self, queryset) -> str:
        files, size = self.file_totals(queryset)
        if not files:
            return gettext("No stored files are affected.")
        return ngettext(
            "%(count)s stored file (%(size)s) will be removed for good; members will no longer be able to download it.",
            "%(count)s stored files (%(size)s) will be removed for good; "
            "members will no longer be able to download them.",
            files,
        ) % {"count": files, "size": filesizeformat(size)}


# Each skips the resources already so: featuring one twice would only add a second audit entry.
CURATION_ACTIONS = (
    per_row_action(
        "feature_resources",
        _("Feature on the library's front"),
        lambda actor, resource: services.resource_set_featured(actor=actor, resource=resource, featured=True),
        keep=lambda resource: not resource.is_featured,
        skipped=ngettext_lazy("Skipped %(count)s already featured.", "Skipped %(count)s already featured.", "count"),
        done=ngettext_lazy("Featured: %(count)s.", "Featured: %(count)s.", "count"),
    ),
    per_row_action(
        "unfeature_resources",
        _("Stop featuring"),
        lambda actor, resource: services.resource_set_featured(actor=actor, resource=resource, featured=False),
        keep=lambda resource: resource.is_featured,
        skipped=ngettext_lazy(
            "Skipped %(count)s that were not featured.", "Skipped %(count)s that were not featured.", "count"
        ),
        done=ngettext_lazy("No longer featured: %(count)s.", "No longer featured: %(count)s.", "count"),
    ),
    per_row_action(
        "archive_resources",
        _("Archive (kept, but out of the library's listing)"),
        lambda actor, resource: services.resource_set_archived(actor=actor, resource=resource, archived=True),
        keep=lambda resource: not resource.is_archived,
        skipped=ngettext_lazy("Skipped %(count)s already archived.", "Skipped %(count)s already archived.", "count"),
        done=ngettext_lazy("Archived: %(count)s.", "Archived: %(count)s.", "count"),
    ),
    per_row_action(
        "unarchive_resources",
        _("Bring back from the archive"),
        lambda actor, resource: services.resource_set_archived(actor=actor, resource=resource, archived=False),
        keep=lambda resource: resource.is_archived,
        skipped=ngettext_lazy(
            "Skipped %(count)s that were not archived.", "Skipped %(count)s that were not archived.", "count"
        ),
        done=ngettext_lazy("Back in the library: %(count)s.", "Back in the library: %(count)s.", "count"),
    ),
)


class ArchivedFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("current", _("Current")), ("archived", _("Archived"))]

    def queryset(self, request, queryset):
        if self.value() == "current":
            return queryset.filter(archived_at=None)
        if self.value() == "archived":
            return queryset.filter(archived_at__isnull=False)
        return queryset


# --- Versions, as shown on a resource's page ---------------------------------------------------


class VersionDisplay:
    """How a version is shown in both the inline and the version list."""

    @admin.display(description=_("size"), ordering="size")
    def file_size(self, version):
        return filesizeformat(version.size)

    @admin.display(description=_("file"))
    def download(self, version):
        return format_html('<a href="{}">{}</a>', version.get_download_url(), gettext("Download"))


class VersionInline(VersionDisplay, admin.TabularInline):
    """The versions of a file, newest first, read-only. Deleting one is an action on the
    version list (through the service, which keeps the last one)."""

    model = ResourceVersion
    verbose_name = _("version")
    verbose_name_plural = _("versions (newest first)")
    fields = readonly_fields = (
        "number",
        "original_name",
        "file_size",
        "content_type",
        "note",
        "uploaded_by",
        "created_at",
        "download_count",
        "download",
    )
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    # Shown wherever the resource itself may be viewed: coordinators hold no model
    # permissions, so the inline follows the resource's admin (scoped on /manage/).
    def has_view_permission(self, request, obj=None):
        return self.admin_site.get_model_admin(Resource).has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Resources ---------------------------------------------------------------------------------


class ResourceAdminBase(LibraryAdmin):
    list_display = (
        "title",
        "community",
        "kind",
        "author",
        "is_featured",
        "archived",
        "download_count",
        "created_at",
        "on_site",
    )
    search_fields = ("title", "summary", "author__username", "author__display_name")
    list_select_related = ("community", "author")
    actions = (*CURATION_ACTIONS, "delete_resources")
    common_fields = (
        "title",
        "community",
        "kind",
        "author",
        "summary",
        "topic_tags",
        "language",
        "licence",
    )
    fields_of_kind = {
        ResourceKind.FILE: (),
        ResourceKind.LINK: ("url",),
        ResourceKind.PRACTICE: ("body", "owner", "review_by"),
    }
    figures = ("is_featured", "archived_at", "download_count", "view_count", "created_at", "updated_at", "on_site")
    readonly_fields = (*common_fields, "url", "body", "owner", "review_by", "documented_from", *figures)

    def get_fields(self, request, obj=None):
        """The fields the resource's kind uses (a file has no address, a link no text)."""
        if obj is None:
            return self.readonly_fields
        origin = ("documented_from",) if obj.origin_title or obj.origin_url else ()
        return (*self.common_fields, *self.fields_of_kind.get(obj.kind, ()), *origin, *self.figures)

    def get_inlines(self, request, obj):
        return (VersionInline,) if obj is not None and obj.kind == ResourceKind.FILE else ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("community", "author", "owner")

    def describe(self, resource):
        if resource.file_count:
            return ngettext(
                "%(title)s (%(community)s, %(count)s file)",
                "%(title)s (%(community)s, %(count)s files)",
                resource.file_count,
            ) % {
                "title": resource.title,
                "community": resource.community.name,
                "count": resource.file_count,
            }
        return f"{resource.title} ({resource.community.name})"

    def rows_to_describe(self, queryset):
        return queryset.annotate(file_count=Count("versions"))

    def file_totals(self, queryset):
        totals = ResourceVersion.objects.filter(resource__in=queryset.values("pk")).aggregate(
            files=Count("pk"), size=Sum("size")
        )
        return totals["files"], totals["size"] or 0

    @admin.display(description=_("archived"), boolean=True, ordering="archived_at")
    def archived(self, resource):
        return resource.is_archived

    @admin.display(description=_("topic tags"))
    def topic_tags(self, resource):
        return ", ".join(resource.tags.names())

    @admin.display(description=_("documented from"))
    def documented_from(self, resource):
        url = resource.origin_url
        # Only the platform's own paths are linked (they are copied from the thread's page).
        if url.startswith("/") and not url.startswith("//"):
            return format_html('<a href="{}">{}</a>', url, resource.origin_title or url)
        return resource.origin_title

    @admin.display(description=_("on the site"))
    def on_site(self, resource):
        return site_link(resource.get_absolute_url())

    @admin.action(description=_("Delete with their files…"))
    def delete_resources(self, request, queryset):
        return self.delete_after_confirming(
            request,
            queryset,
            action="delete_resources",
            delete=lambda resource: services.resource_delete(actor=request.user, resource=resource),
            done=ngettext_lazy("Deleted: %(count)s.", "Deleted: %(count)s.", "count"),
        )


@admin.register(Resource, site=coordinator_site)
class ResourceManageAdmin(ResourceAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    """The libraries of the communities a coordinator runs, archived resources included."""

    list_filter = ("kind", "is_featured", ArchivedFilter, CoordinatedCommunityFilter)


@admin.register(Resource)
class ResourceAdmin(ResourceAdminBase, admin.ModelAdmin):
    list_filter = ("kind", "is_featured", ArchivedFilter, ("community", admin.RelatedOnlyFieldListFilter))


# --- Versions ----------------------------------------------------------------------------------


class ResourceVersionAdminBase(VersionDisplay, LibraryAdmin):
    list_display = (
        "original_name",
        "resource",
        "number",
        "community",
        "file_size",
        "uploaded_by",
        "created_at",
        "download_count",
        "download",
    )
    search_fields = ("original_name", "resource__title", "uploaded_by__username", "uploaded_by__display_name")
    list_select_related = ("resource__community", "uploaded_by")
    ordering = ("-created_at",)
    actions = ("delete_versions",)
    fields = readonly_fields = (
        "resource",
        "community",
        "number",
        "original_name",
        "file_size",
        "content_type",
        "note",
        "uploaded_by",
        "created_at",
        "download_count",
        "download",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("resource__community", "uploaded_by")

    def describe(self, version):
        return gettext("%(name)s (version %(number)s of %(title)s)") % {
            "name": version.original_name,
            "number": version.number,
            "title": version.resource.title,
        }

    def file_totals(self, queryset):
        totals = queryset.aggregate(files=Count("pk"), size=Sum("size"))
        return totals["files"], totals["size"] or 0

    @admin.display(description=_("community"), ordering="resource__community__name")
    def community(self, version):
        return version.resource.community.name

    @admin.action(description=_("Delete these versions and their files…"))
    def delete_versions(self, request, queryset):
        return self.delete_after_confirming(
            request,
            queryset,
            action="delete_versions",
            delete=lambda version: services.version_delete(actor=request.user, version=version),
            done=ngettext_lazy("Versions deleted: %(count)s.", "Versions deleted: %(count)s.", "count"),
        )


@admin.register(ResourceVersion, site=coordinator_site)
class ResourceVersionManageAdmin(ResourceVersionAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    community_path = "resource__community"
    list_filter = (CoordinatedCommunityFilter,)


@admin.register(ResourceVersion)
class ResourceVersionAdmin(ResourceVersionAdminBase, admin.ModelAdmin):
    list_filter = (("resource__community", admin.RelatedOnlyFieldListFilter),)
