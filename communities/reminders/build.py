"""Content of a batch of reminders, whatever their kinds (a recovered batch may mix them)."""

from django.utils import timezone

from members.models import EmailDelivery, EmailKind

from ..outgoing import PreparedEmail
from ..value.survey_mail import build_value_surveys
from .coordinators import build_coordinator_alerts
from .members import build_nudges, build_welcomes

BUILDERS = {
    EmailKind.WELCOME: build_welcomes,
    EmailKind.NUDGE: build_nudges,
    EmailKind.COORDINATOR: build_coordinator_alerts,
    EmailKind.VALUE_SURVEY: build_value_surveys,
}


def build_reminders(deliveries: list[EmailDelivery]) -> dict[int, PreparedEmail | None]:
    now = timezone.now()
    prepared: dict[int, PreparedEmail | None] = {}
    for kind, builder in BUILDERS.items():
        of_kind = [delivery for delivery in deliveries if delivery.kind == kind]
        if of_kind:
            prepared.update(builder(of_kind, now))
    return prepared
