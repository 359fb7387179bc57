"""The coordinator admin site at /manage/, and the mixins every app's admin.py builds on.

Coordinators are not staff: they hold no Django model permissions. What they may see and do
on /manage/ comes from the management policy instead (`Community.objects.coordinated_by`,
`Membership.objects.managed_by`): `CoordinatorScopedAdmin` applies it once for every
coordinator ModelAdmin, and `ServiceAdmin` sends every write through the apps' services so
the rules of the public pages hold here too. `ServiceAdmin` also holds the action machinery
the apps share: calling a service row by row, and the second page an action shows to ask for
a reason or a confirmation (templates/admin/confirm_action.html).
"""

from .scoping import CoordinatedCommunityFilter, CoordinatorScopedAdmin, coordinated_communities
from .services import ReadOnlyAdmin, ServiceAdmin, per_row_action, site_link
from .site import CoordinatorAdminSite, coordinator_site

__all__ = [
    "CoordinatedCommunityFilter",
    "CoordinatorAdminSite",
    "CoordinatorScopedAdmin",
    "ReadOnlyAdmin",
    "ServiceAdmin",
    "coordinated_communities",
    "coordinator_site",
    "per_row_action",
    "site_link",
]
