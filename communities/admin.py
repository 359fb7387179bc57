"""Communities in the admin: the coordinator panel (/manage/) and the staff admin (/admin/).

Both sites share one admin per model (the `...AdminBase` classes) and differ only in scope:
/manage/ shows a coordinator the communities they coordinate (`CoordinatorScopedAdmin`),
/admin/ shows staff everything. Every write on either site goes through
`communities.services`, so approving a request here sends the same email and writes the same
audit row as on the community's members page.
"""

from functools import partial
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cop_platform.admin_sites import (
    CoordinatedCommunityFilter,
    CoordinatorScopedAdmin,
    ReadOnlyAdmin,
    ServiceAdmin,
    coordinator_site,
    per_row_action,
)
from members.models import EmailDelivery

from . import services
from .models import AuditEntry, Community, Invitation, Membership, MembershipState, Role

# --- Communities ------------------------------------------------------------------------------


class CommunityAdminBase(ServiceAdmin):
    fieldsets = (
        (None, {"fields": ("name", "slug", "tagline")}),
        (_("Charter"), {"fields": ("domain", "audience", "mandate", "norms", "tags")}),
        (_("Running the community"), {"fields": ("stage", "visibility", "join_policy", "critical_mass")}),
        (_("Figures"), {"fields": ("member_count", "created_at")}),
    )
    readonly_fields = ("member_count", "created_at")
    search_fields = ("name", "slug", "tagline")
    list_filter = ("stage", "visibility", "join_policy")
    list_select_related = ()  # no foreign keys in the list

    def get_readonly_fields(self, request, obj=None):
        # The slug is fixed once created, so links and bookmarks keep working.
        return self.readonly_fields if obj is None else ("slug", *self.readonly_fields)

    def save_with_service(self, request, obj, form, change):
        data = form.cleaned_data
        charter = {name: data[name] for name in services.CHARTER_FIELDS if name in data}
        if not change:
            return services.community_create(
                actor=request.user, slug=data.get("slug", ""), tags=data.get("tags", ()), **charter
            )
        # `obj` already carries the form's values; the service compares against the stored row.
        community = Community.objects.get(pk=obj.pk)
        tags = data.get("tags")
        if tags is not None and set(tags) == set(community.tags.names()):
            tags = None  # unchanged: keep the audit log to what really changed
        return services.community_update(actor=request.user, community=community, tags=tags, **charter)


@admin.register(Community, site=coordinator_site)
class CommunityManageAdmin(CoordinatorScopedAdmin, CommunityAdminBase, admin.ModelAdmin):
    """The charter of the communities a coordinator runs. No adding (that is
    /communities/new/) and no deleting."""

    community_path = "pk"
    list_display = ("name", "stage", "visibility", "join_policy", "member_count", "join_requests")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(pending_requests=Count("memberships", filter=Q(memberships__state=MembershipState.PENDING)))
        )

    @admin.display(description=_("join requests"), ordering="pending_requests")
    def join_requests(self, community):
        if not community.pending_requests:
            return gettext("none")
        url = reverse("admin:communities_membership_changelist", current_app=self.admin_site.name)
        query = urlencode({"community": community.pk, "state__exact": MembershipState.PENDING})
        waiting = gettext("%(count)s waiting") % {"count": community.pending_requests}
        return format_html('<a href="{}?{}">{}</a>', url, query, waiting)


@admin.register(Community)
class CommunityAdmin(CommunityAdminBase, admin.ModelAdmin):
    list_display = ("name", "slug", "stage", "visibility", "join_policy", "member_count", "created_at")


# --- Memberships ------------------------------------------------------------------------------


def _is_join_request(membership) -> bool:
    return membership.state == MembershipState.PENDING


def _membership_action(name, description, service, *, done, requests_only=False):
    """An action that calls `service(actor=..., membership=...)` for each selected row (with
    `requests_only`, each selected join request)."""
    return per_row_action(
        name,
        description,
        lambda actor, membership: service(actor=actor, membership=membership),
        done=done,
        keep=_is_join_request if requests_only else None,
        skipped=ngettext_lazy(
            "Skipped %(count)s selected that are not join requests.",
            "Skipped %(count)s selected that are not join requests.",
            "count",
        ),
    )


def _ban(*, actor, membership):
    return services.membership_ban(actor=actor, community=membership.community, user=membership.user)


MEMBERSHIP_ACTIONS = (
    _membership_action(
        "approve_requests",
        _("Approve selected join requests"),
        services.membership_approve,
        done=ngettext_lazy("Join requests approved: %(count)s.", "Join requests approved: %(count)s.", "count"),
        requests_only=True,
    ),
    _membership_action(
        "decline_requests",
        _("Decline selected join requests"),
        services.membership_decline,
        done=ngettext_lazy("Join requests declined: %(count)s.", "Join requests declined: %(count)s.", "count"),
        requests_only=True,
    ),
    _membership_action(
        "promote_to_coordinator",
        _("Make selected members coordinators"),
        partial(services.membership_set_role, role=Role.COORDINATOR),
        done=ngettext_lazy("Made coordinators: %(count)s.", "Made coordinators: %(count)s.", "count"),
    ),
    _membership_action(
        "demote_to_member",
        _("Make selected coordinators plain members"),
        partial(services.membership_set_role, role=Role.MEMBER),
        done=ngettext_lazy("Made plain members: %(count)s.", "Made plain members: %(count)s.", "count"),
    ),
    _membership_action(
        "remove_members",
        _("Remove selected from their community (they may join again)"),
        services.membership_remove,
        done=ngettext_lazy("Removed: %(count)s.", "Removed: %(count)s.", "count"),
    ),
    _membership_action(
        "ban_members",
        _("Ban selected from their community"),
        _ban,
        done=ngettext_lazy("Banned: %(count)s.", "Banned: %(count)s.", "count"),
    ),
)


class MembershipAdminBase(ReadOnlyAdmin):
    """Memberships are read here and changed only through the actions: each calls the
    membership service, which keeps member counts, the last coordinator and the audit log
    right."""

    list_display = ("user", "community", "role", "state", "created_at", "request_summary")
    search_fields = ("user__username", "user__email", "user__display_name")
    list_select_related = ("user", "community")
    actions = MEMBERSHIP_ACTIONS
    fields = ("user", "community", "role", "state", "request_message", "created_at", "joined_at", "decided_by")

    @admin.display(description=_("request message"))
    def request_summary(self, membership):
        return Truncator(membership.request_message).chars(80)


@admin.register(Membership, site=coordinator_site)
class MembershipManageAdmin(MembershipAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    list_filter = ("state", "role", CoordinatedCommunityFilter)

    def scope_queryset(self, request, queryset):
        return queryset.managed_by(request.user)


@admin.register(Membership)
class MembershipAdmin(MembershipAdminBase, admin.ModelAdmin):
    list_filter = ("state", "role", "community")
    search_fields = (*MembershipAdminBase.search_fields, "community__name")


coordinator_site.add_shortcut(Membership, name=_("Join requests"), query={"state__exact": MembershipState.PENDING})


# --- Invitations ------------------------------------------------------------------------------


class InvitationStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("open", pgettext_lazy("invitation status", "Open")),
            ("accepted", pgettext_lazy("invitation status", "Accepted")),
            ("withdrawn", pgettext_lazy("invitation status", "Withdrawn")),
            ("expired", pgettext_lazy("invitation status", "Expired")),
        ]

    def queryset(self, request, queryset):
        unused = Q(accepted_at=None, revoked_at=None)
        now = timezone.now()
        conditions = {
            "open": unused & Q(expires_at__gt=now),
            "accepted": Q(accepted_at__isnull=False),
            "withdrawn": Q(revoked_at__isnull=False),
            "expired": unused & Q(expires_at__lte=now),
        }
        return queryset.filter(conditions[self.value()]) if self.value() in conditions else queryset


revoke_invitations = per_row_action(
    "revoke_invitations",
    _("Withdraw selected invitations"),
    lambda actor, invitation: services.invitation_revoke(actor=actor, invitation=invitation),
    done=ngettext_lazy("Invitations withdrawn: %(count)s.", "Invitations withdrawn: %(count)s.", "count"),
)


class InvitationAdminBase(ServiceAdmin):
    """Invitations are sent from the add form and withdrawn with the action; the rest is
    history and read-only."""

    list_display = ("email", "community", "status", "invited_by", "created_at", "expires_at")
    search_fields = ("email",)
    list_select_related = ("community", "invited_by")
    actions = (revoke_invitations,)
    view_on_site = False  # the invitation's page address is its secret token
    add_fields = ("community", "email", "message")
    readonly_fields = ("invited_by", "created_at", "expires_at", "accepted_at", "accepted_by", "revoked_at")

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else (*self.add_fields, *self.readonly_fields)

    @admin.display(description=_("status"))
    def status(self, invitation):
        if invitation.accepted_at:
            return pgettext_lazy("invitation status", "Accepted")
        if invitation.revoked_at:
            return pgettext_lazy("invitation status", "Withdrawn")
        if invitation.is_expired:
            return pgettext_lazy("invitation status", "Expired")
        return pgettext_lazy("invitation status", "Open")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_with_service(self, request, obj, form, change):
        data = form.cleaned_data
        return services.invitation_create(
            actor=request.user, community=data["community"], email=data["email"], message=data["message"]
        )


@admin.register(Invitation, site=coordinator_site)
class InvitationManageAdmin(InvitationAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    list_filter = (InvitationStatusFilter, CoordinatedCommunityFilter)

    def has_add_permission(self, request):
        return self.in_scope(request, None)


@admin.register(Invitation)
class InvitationAdmin(InvitationAdminBase, admin.ModelAdmin):
    list_filter = (InvitationStatusFilter, "community")


# --- Audit log --------------------------------------------------------------------------------


class AuditEntryAdminBase(ReadOnlyAdmin):
    """The record of what coordinators and staff did: read-only everywhere."""

    list_display = ("created_at", "community", "actor", "action", "target_user", "detail")
    search_fields = ("action", "detail", "actor__username", "target_user__username")
    list_select_related = ("community", "actor", "target_user")


@admin.register(AuditEntry, site=coordinator_site)
class AuditEntryManageAdmin(AuditEntryAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    list_filter = ("action", CoordinatedCommunityFilter)


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditEntryAdminBase, admin.ModelAdmin):
    list_filter = ("action", "community")


# --- Email log ---------------------------------------------------------------------------------


class DeliveryCommunityFilter(CoordinatedCommunityFilter):
    """EmailDelivery names its community by a plain id (members sits below communities)."""

    def queryset(self, request, queryset):
        offered = {str(pk) for pk, _ in self.lookup_choices}
        return queryset.filter(community_id=self.value()) if self.value() in offered else queryset


class EmailDeliveryAdminBase(ReadOnlyAdmin):
    """What was emailed, to whom and how it went: read-only (the senders write it)."""

    list_display = ("created_at", "kind", "recipient", "community_name", "state", "subject", "summary", "sent_at")
    search_fields = ("recipient__username", "recipient__display_name", "subject")
    list_select_related = ("recipient",)
    fields = list_display + ("key", "claimed_at", "attempts", "error")
    readonly_fields = fields

    def get_queryset(self, request):
        # The community's name in the same query (community_id is not a foreign key).
        name = Community.objects.filter(pk=OuterRef("community_id")).values("name")[:1]
        return super().get_queryset(request).annotate(community_name=Subquery(name))

    @admin.display(description=_("community"), ordering="community_name")
    def community_name(self, delivery):
        return delivery.community_name or "—"


@admin.register(EmailDelivery, site=coordinator_site)
class EmailDeliveryManageAdmin(EmailDeliveryAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    """/manage/: the emails about the communities you coordinate (welcomes, nudges, alerts,
    reply emails about their threads). Digests span communities and are not listed here."""

    list_filter = ("kind", "state", DeliveryCommunityFilter)

    def scope_queryset(self, request, queryset):
        return queryset.filter(community_id__in=Community.objects.coordinated_by(request.user).values("pk"))


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(EmailDeliveryAdminBase, admin.ModelAdmin):
    list_filter = ("kind", "state")
