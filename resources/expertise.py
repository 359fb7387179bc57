"""What members shared in the library, for the expertise finder (members.expertise).

Files and links count as resources, documented practices as practices, by their author, in
communities whose content the viewer may read; archived ones no longer count. Summed with
the other kinds of evidence in the finder's one ranking query (members.expertise).
"""

from django.db.models import Case, F, Q, When
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


def library_evidence(*, viewer, topic):
    """One row per current resource on the topic the viewer may see: 1 in its kind's column."""
    is_practice = Q(kind=ResourceKind.PRACTICE)
    return (
        topic.matching(Resource.objects.visible_to(viewer).current())
        .order_by()
        .values(
            member=F("author"),
            **{
                PRACTICES.column: Case(When(is_practice, then=1), default=0),
                RESOURCES.column: Case(When(is_practice, then=0), default=1),
            },
        )
    )


PROVIDER = EvidenceProvider(kinds=(RESOURCES, PRACTICES), rows=library_evidence)
