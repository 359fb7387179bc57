"""What members shared in the library, for the expertise finder (members.expertise).

Files and links count as resources, documented practices as practices, by their author, in
communities whose content the viewer may read; archived ones no longer count. One aggregate
query, whatever the number of members.
"""

from collections import Counter

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from members.expertise import Evidence, EvidenceProvider

from .models import Resource, ResourceKind

RESOURCES = Evidence(
    key="resource",
    weight=2,
    singular=_("resource"),
    plural=_("resources"),
    counted=ngettext_lazy("%(count)s resource on %(topic)s", "%(count)s resources on %(topic)s", "count"),
)
PRACTICES = Evidence(
    key="practice",
    weight=4,
    singular=_("practice"),
    plural=_("practices"),
    counted=ngettext_lazy("%(count)s practice on %(topic)s", "%(count)s practices on %(topic)s", "count"),
)


def library_evidence(*, viewer, topic, users):
    rows = (
        topic.matching(Resource.objects.visible_to(viewer).current())
        .filter(author__in=users.values("pk"))
        .values("author", "kind")
        .annotate(count=Count("pk"))
        .order_by()
    )
    totals: Counter = Counter()
    for row in rows:
        key = PRACTICES.key if row["kind"] == ResourceKind.PRACTICE else RESOURCES.key
        totals[row["author"], key] += row["count"]
    return [(author, key, count) for (author, key), count in totals.items()]


PROVIDER = EvidenceProvider(kinds=(RESOURCES, PRACTICES), counts=library_evidence)
