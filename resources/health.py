"""What the library tells the community health page (registered in apps.py): resources
added, practices documented from discussions, and how much the library is used. Views and
downloads are running counters with no history, so only today's snapshot can record them."""

from django.db.models import Count, Q, Sum

from communities.health.registry import AUTHORED, HealthSource, Window

from .models import Resource, ResourceKind


def figures(community, window: Window) -> dict:
    today = Q(created_at__gte=window.day_start, created_at__lt=window.end)
    practice = Q(kind=ResourceKind.PRACTICE, created_at__lt=window.end) & (
        Q(archived_at=None) | Q(archived_at__gte=window.end)
    )
    counts = Resource.objects.filter(community=community).aggregate(
        resources=Count("pk", filter=today),
        practices_from_discussions=Count("pk", filter=today & Q(kind=ResourceKind.PRACTICE, origin_type__isnull=False)),
        practices_total=Count("pk", filter=practice),
        resource_views=Sum("view_count"),
        resource_downloads=Sum("download_count"),
    )
    if not window.is_current:  # the counters say nothing about a past day
        counts["resource_views"] = counts["resource_downloads"] = None
    else:
        counts["resource_views"] = counts["resource_views"] or 0
        counts["resource_downloads"] = counts["resource_downloads"] or 0
    return counts


def contributions(community, window: Window):
    added = (
        Resource.objects.filter(
            community=community, created_at__gte=window.start_90, created_at__lt=window.end, author__isnull=False
        )
        .values_list("author")
        .annotate(last_30=Count("pk", filter=Q(created_at__gte=window.start_30)), last_90=Count("pk"))
    )
    return [(AUTHORED, *row) for row in added]


def live(community) -> dict:
    """For the lifecycle checklist: how many practices the library holds now."""
    current = Resource.objects.filter(community=community, archived_at=None)
    return current.aggregate(
        practices_documented=Count("pk", filter=Q(kind=ResourceKind.PRACTICE)),
        practices_from_discussions_total=Count("pk", filter=Q(kind=ResourceKind.PRACTICE, origin_type__isnull=False)),
    )


SOURCE = HealthSource(name="resources", figures=figures, contributions=contributions, live=live)
