"""Scoping /manage/ to the communities a coordinator runs."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from communities.models import Community, Membership

from .services import ServiceAdmin


def coordinated_communities(request) -> list[tuple[int, str]]:
    """(id, name) of the communities request.user coordinates, read once per request: an
    admin page asks several times (site permission, scope checks, the community filter)."""
    communities = getattr(request, "_coordinated_communities", None)
    if communities is None:
        communities = list(Community.objects.coordinated_by(request.user).values_list("pk", "name"))
        request._coordinated_communities = communities
    return communities


class CoordinatedCommunityFilter(admin.SimpleListFilter):
    """Filter by community, offering only the communities the user coordinates (the default
    related-field filter would list every community on the platform)."""

    title = _("community")
    parameter_name = "community"

    def __init__(self, request, params, model, model_admin):
        self.community_path = model_admin.community_path
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return coordinated_communities(request)

    def queryset(self, request, queryset):
        offered = {str(pk) for pk, _ in self.lookup_choices}
        if self.value() in offered:
            return queryset.filter(**{f"{self.community_path}__pk": self.value()})
        return queryset


class CoordinatorScopedAdmin(ServiceAdmin):
    """ModelAdmin mixin for /manage/: a coordinator sees and acts on the rows of the
    communities they coordinate, and nothing else (superusers: everything).

    - `community_path` is the lookup from the model to its community ("pk" on Community
      itself); `scope_queryset` filters by it and may be overridden to call a model's own
      policy method. Rows outside the scope are missing: opening one by id says it does
      not exist, and actions never receive them.
    - Permissions come from the scope, not from Django's model permissions, which
      coordinators do not have. Viewing and changing are allowed in scope; adding and
      deleting are refused unless an admin opts in (Django's add and delete would bypass
      the services).
    - Foreign-key choices offer only the user's communities and their members.
    """

    community_path = "community"

    def scope_queryset(self, request, queryset):
        return queryset.filter(**{f"{self.community_path}__in": Community.objects.coordinated_by(request.user)})

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def community_id_of(self, obj) -> int:
        if self.community_path == "pk":
            return obj.pk
        *hops, community = self.community_path.split("__")  # e.g. "thread__community"
        for hop in hops:
            obj = getattr(obj, hop)
        return getattr(obj, f"{community}_id")

    def in_scope(self, request, obj) -> bool:
        if not self.admin_site.has_permission(request):
            return False
        if obj is None or request.user.is_superuser:
            return True
        return any(pk == self.community_id_of(obj) for pk, _ in coordinated_communities(request))

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.in_scope(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Community:
            kwargs["queryset"] = Community.objects.coordinated_by(request.user)
        elif db_field.related_model is get_user_model():
            members = Membership.objects.managed_by(request.user).active().values("user")
            kwargs["queryset"] = get_user_model().objects.filter(pk__in=members)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Community:
            kwargs["queryset"] = Community.objects.coordinated_by(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
