"""Lifecycle guidance: the 5D stages (discover, dream, design, document, disseminate), what a
community should have done in each, checked against its data, and moving between them.

The checklist items are the CoP building blocks: a domain and an audience (discover), a
mandate and norms (dream), at least two coordinators and a critical mass of active members
(design), practices documented (document), and a public summary shared (disseminate: the
community is public, with a tagline and a domain anyone can read).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import permissions
from ..models import Community, Stage
from ..services import STAGE_CHANGED, log_stage_change, membership_of

TIMELINE_ACTIONS = ("community_created", STAGE_CHANGED)


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    done: bool
    hint: str  # what to do about it when not done


def checklist(community: Community, *, coordinators: int, active_30d: int, practices: int) -> dict[str, list]:
    """{stage: [ChecklistItem]} for every stage; the caller counts what needs counting once."""
    public_summary = community.visibility == "public" and bool(community.tagline.strip() and community.domain.strip())
    return {
        Stage.DISCOVER: [
            ChecklistItem(_("Domain written"), bool(community.domain.strip()), _("Say what the community is about.")),
            ChecklistItem(_("Audience written"), bool(community.audience.strip()), _("Say who it is for.")),
        ],
        Stage.DREAM: [
            ChecklistItem(_("Mandate written"), bool(community.mandate.strip()), _("Write its purpose and aims.")),
            ChecklistItem(_("Norms written"), bool(community.norms.strip()), _("Write how members work together.")),
        ],
        Stage.DESIGN: [
            ChecklistItem(
                _("At least two coordinators"), coordinators >= 2, _("Ask an active member to co-coordinate.")
            ),
            ChecklistItem(
                _("Critical mass reached (%(active)d of %(critical_mass)d active in 30 days)")
                % {"active": active_30d, "critical_mass": community.critical_mass},
                active_30d >= community.critical_mass,
                _("Invite practitioners and ask quiet members a direct question."),
            ),
        ],
        Stage.DOCUMENT: [
            ChecklistItem(
                _("Practices documented (%(count)d)") % {"count": practices},
                practices > 0,
                _("Turn an answered question into a documented practice."),
            ),
        ],
        Stage.DISSEMINATE: [
            ChecklistItem(
                _("Public summary shared"),
                public_summary,
                _("Make the community public with a tagline, so others can find what it learned."),
            ),
        ],
    }


def community_change_stage(*, actor, community: Community, stage: str, note: str = "") -> Community:
    """Move a community to another lifecycle stage: its coordinators and staff. The change is
    logged (it shows on the health page's timeline); choosing the current stage is a no-op."""
    if not permissions.can_coordinate(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("Only this community's coordinators can change its stage."))
    if stage not in Stage.values:
        raise ValidationError({"stage": _("Choose one of the five stages.")})
    with transaction.atomic():
        community = Community.objects.select_for_update().get(pk=community.pk)
        if community.stage == stage:
            return community
        previous = community.get_stage_display()
        community.stage = stage
        community.save(update_fields=["stage", "updated_at"])
        log_stage_change(community=community, actor=actor, previous=previous, note=note)
    return community
