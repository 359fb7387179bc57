"""Content of a batch of reminders, whatever their kinds (a recovered batch may mix them)."""

from members.models import EmailDelivery, EmailKind

from ..outgoing import PreparedEmail, prepare_by_kind
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
    return prepare_by_kind(BUILDERS, deliveries)
