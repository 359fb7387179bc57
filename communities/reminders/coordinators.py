"""The daily alert to coordinators, one email per community per day, only when something needs
attention: join requests waiting, questions without a reply, open flags (both over
COORDINATOR_ALERT_AFTER_HOURS), or fewer active members than the community's critical mass
(active: contributed in the last ACTIVE_MEMBER_DAYS). Key "coordinator:c<id>:<date>";
coordinators who turned `coordinator_alerts` off get none. Each is recorded with the
community's id, so the coordinators see the log in /manage/.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext

from cop_platform.email import absolute_url
from members.mailing import preferences_for_many
from members.models import EmailDelivery, EmailKind

from ..models import Community, Membership, MembershipState, Role
from ..outgoing import PreparedEmail
from .planning import plan_deliveries
from .registry import Attention, contributors, needs_attention


def _waiting_text(hours: int, many: bool) -> str:
    if many:
        text = ngettext(
            "join requests waiting for more than %(hours)d hour",
            "join requests waiting for more than %(hours)d hours",
            hours,
        )
    else:
        text = ngettext(
            "join request waiting for more than %(hours)d hour",
            "join request waiting for more than %(hours)d hours",
            hours,
        )
    return text % {"hours": hours}


def _below_text(days: int, critical_mass: int, many: bool) -> str:
    if many:
        text = gettext("active members in the last %(days)d days, below the critical mass of %(critical_mass)d")
    else:
        text = gettext("active member in the last %(days)d days, below the critical mass of %(critical_mass)d")
    return text % {"days": days, "critical_mass": critical_mass}


# Lazy: alerts are built for a batch and each email rendered in its coordinator's language.
_waiting_label = lazy(_waiting_text, str)
_below_label = lazy(_below_text, str)


def community_alerts(community_ids: list[int], now: datetime) -> dict[int, list[Attention]]:
    """{community id: what needs attention}, only communities with something (a fixed number
    of queries for any number of communities)."""
    hours = settings.COORDINATOR_ALERT_AFTER_HOURS
    older_than = now - timedelta(hours=hours)
    found = needs_attention(community_ids, older_than)
    waiting = (
        Membership.objects.filter(
            community_id__in=community_ids, state=MembershipState.PENDING, created_at__lt=older_than
        )
        .values("community_id")
        .annotate(count=Count("pk"))
    )
    for row in waiting:
        found[row["community_id"]].insert(
            0,
            Attention(
                _waiting_label(hours, many=True),
                row["count"],
                reverse("manage:communities_membership_changelist") + "?state__exact=pending",
                label_one=_waiting_label(hours, many=False),
            ),
        )
    active_contributors = contributors(community_ids, now - timedelta(days=settings.ACTIVE_MEMBER_DAYS))
    members = Membership.objects.filter(community_id__in=community_ids, state=MembershipState.ACTIVE).values_list(
        "community_id", "user_id"
    )
    active_members: dict[int, int] = {community_id: 0 for community_id in community_ids}
    for community_id, user_id in members:
        active_members[community_id] += user_id in active_contributors.get(community_id, ())
    for community_id, critical_mass in Community.objects.filter(pk__in=community_ids).values_list(
        "pk", "critical_mass"
    ):
        if active_members[community_id] < critical_mass:
            found[community_id].append(
                Attention(
                    _below_label(settings.ACTIVE_MEMBER_DAYS, critical_mass, many=True),
                    active_members[community_id],
                    label_one=_below_label(settings.ACTIVE_MEMBER_DAYS, critical_mass, many=False),
                )
            )
    return {community_id: items for community_id, items in found.items() if items}


def _alert_key(community_id: int, now: datetime) -> str:
    return f"coordinator:c{community_id}:{now.date().isoformat()}"


def coordinator_alerts_plan(now: datetime) -> list[int]:
    coordinators = list(
        Membership.objects.filter(state=MembershipState.ACTIVE, role=Role.COORDINATOR, user__is_active=True)
        .exclude(user__email="")
        .exclude(user__email_preferences__coordinator_alerts=False)
        .values_list("community_id", "user_id")
    )
    alerts = community_alerts(sorted({community_id for community_id, _ in coordinators}), now)
    rows = [
        EmailDelivery(
            recipient_id=user_id,
            kind=EmailKind.COORDINATOR,
            key=_alert_key(community_id, now),
            community_id=community_id,
            created_at=now,
        )
        for community_id, user_id in coordinators
        if community_id in alerts
    ]
    return plan_deliveries(rows, kind=EmailKind.COORDINATOR, now=now)


def build_coordinator_alerts(deliveries: list[EmailDelivery], now: datetime) -> dict[int, PreparedEmail | None]:
    community_ids = sorted({d.community_id for d in deliveries})
    alerts = community_alerts(community_ids, now)
    communities = Community.objects.in_bulk(community_ids)
    preferences = preferences_for_many({d.recipient_id for d in deliveries})
    still_coordinating = set(
        Membership.objects.filter(Q(community_id__in=community_ids), user_id__in=[d.recipient_id for d in deliveries])
        .coordinators()
        .values_list("user_id", "community_id")
    )
    prepared: dict[int, PreparedEmail | None] = {}
    for delivery in deliveries:
        items = alerts.get(delivery.community_id)
        community = communities.get(delivery.community_id)
        if (
            not items
            or community is None
            or not preferences[delivery.recipient_id].coordinator_alerts
            or (delivery.recipient_id, community.pk) not in still_coordinating
        ):
            prepared[delivery.pk] = None
            continue
        prepared[delivery.pk] = PreparedEmail(
            template="communities/email/coordinator_alert",
            context={
                "community": community,
                "community_url": absolute_url(community.get_absolute_url()),
                "items": [
                    {"text": item.text, "count": item.count, "url": absolute_url(item.url) if item.url else ""}
                    for item in items
                ],
            },
            scope="coordinator_alerts",
            summary="; ".join(str(item.text) for item in items),
        )
    return prepared
