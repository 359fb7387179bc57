"""Recording planned reminders: shared by the member and coordinator reminders."""

from datetime import datetime

from members.models import EmailDelivery


def plan_deliveries(rows: list[EmailDelivery], *, kind: str, now: datetime) -> list[int]:
    """Insert `rows` (all of `kind`, stamped `now`), skipping any whose (recipient, key) exists;
    returns the ids of the rows this call created, for the send tasks."""
    EmailDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return list(
        EmailDelivery.objects.filter(kind=kind, created_at=now, state="pending")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
