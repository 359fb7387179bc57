"""Recurring events: validating RFC 5545 rules and expanding them into occurrences.

The rule is expanded with `dateutil.rrule` from a start that carries the organiser's zone
(zoneinfo), so each occurrence keeps the organiser's wall-clock time: a weekly 09:00 meeting
in Europe/Paris is at 08:00 UTC in winter and 07:00 UTC in summer. Occurrences are stored in
UTC.

Only DAILY, WEEKLY, MONTHLY and YEARLY rules are accepted; a rule must give at least one
occurrence within ten years of its start. Expansion stops at a horizon
(EVENTS_MATERIALISE_MONTHS ahead) and at EVENTS_MAX_OCCURRENCES rows per event.
"""

from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
FORBIDDEN_PARTS = {"DTSTART", "BYSECOND", "BYMINUTE", "BYHOUR"}


def normalise_rule(rule: str) -> str:
    """A rule as members may type it ("RRULE:freq=weekly; count=10") -> "FREQ=WEEKLY;COUNT=10"."""
    rule = (rule or "").strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    parts = [part.strip() for part in rule.replace("\n", ";").split(";") if part.strip()]
    return ";".join(part.upper() for part in parts)


def build_rule(rule: str, dtstart: datetime):
    """The dateutil rule for `rule` starting at the aware `dtstart`; ValueError if malformed."""
    return rrulestr(f"RRULE:{rule}", dtstart=dtstart)


def validate_rule(rule: str, *, dtstart: datetime) -> str:
    """Check a rule against its aware local start; return it normalised. Raises ValidationError
    with a message a member can act on."""
    rule = normalise_rule(rule)
    if not rule:
        return ""
    names = {part.split("=", 1)[0] for part in rule.split(";")}
    if any("=" not in part for part in rule.split(";")):
        raise ValidationError(_("Write the rule as NAME=VALUE pairs separated by “;”, e.g. FREQ=WEEKLY;COUNT=10."))
    if names & FORBIDDEN_PARTS:
        raise ValidationError(
            _("The rule cannot set %(parts)s: the event's own start gives the time of day."),
            params={"parts": ", ".join(sorted(names & FORBIDDEN_PARTS))},
        )
    frequency = dict(part.split("=", 1) for part in rule.split(";")).get("FREQ")
    if frequency not in ALLOWED_FREQUENCIES:
        raise ValidationError(_("Start the rule with FREQ=DAILY, WEEKLY, MONTHLY or YEARLY."))
    try:
        parsed = build_rule(rule, dtstart)
        first = parsed.between(dtstart, dtstart + relativedelta(years=10), inc=True, count=1)
    except (ValueError, TypeError) as error:
        if "UNTIL" in str(error):
            raise ValidationError(_("Give UNTIL in UTC, e.g. UNTIL=20270630T000000Z."))
        raise ValidationError(_("This is not a recurrence rule we can read: %(error)s."), params={"error": error})
    if not first:
        raise ValidationError(_("This rule gives no date within ten years of the event's start."))
    return rule


def expand(*, rule: str, starts_at: datetime, time_zone, until: datetime, after: datetime | None, limit: int):
    """Starts (aware, UTC) the rule gives from `starts_at`, later than `after` (all when None),
    up to `until`, at most `limit` of them. Without a rule, the one start."""
    if not rule:
        return [starts_at.astimezone(UTC)] if after is None or starts_at > after else []
    local_start = starts_at.astimezone(time_zone)
    starts = []
    for start in build_rule(rule, local_start):
        if start > until or len(starts) >= limit:
            break
        if after is None or start > after:
            starts.append(start.astimezone(UTC))
    return starts


def end_for(start: datetime, *, duration: timedelta, time_zone) -> datetime:
    """The end of an occurrence starting at `start`: the same wall-clock length in the
    organiser's zone (a 09:00-10:00 meeting ends at 10:00 local, on either side of a DST change)."""
    local = start.astimezone(time_zone)
    return (local + duration).astimezone(UTC)


def horizon(now: datetime) -> datetime:
    return now + relativedelta(months=settings.EVENTS_MATERIALISE_MONTHS)


_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


def _every(frequency: str, interval: int) -> str:
    """ "every week", "every 2 weeks": a whole phrase per frequency, for languages whose words
    for "every" agree with the unit."""
    if frequency == "DAILY":
        return ngettext("every day", "every %(count)s days", interval) % {"count": interval}
    if frequency == "WEEKLY":
        return ngettext("every week", "every %(count)s weeks", interval) % {"count": interval}
    if frequency == "MONTHLY":
        return ngettext("every month", "every %(count)s months", interval) % {"count": interval}
    return ngettext("every year", "every %(count)s years", interval) % {"count": interval}


def describe(rule: str) -> str:
    """Common rules in words ("every 2 weeks, 6 times"); anything else as the rule itself."""
    parts = dict(part.split("=", 1) for part in normalise_rule(rule).split(";") if "=" in part)
    frequency = parts.get("FREQ")
    if frequency not in _FREQUENCIES or set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL"}:
        return rule
    interval = int(parts.get("INTERVAL", "1") or 1)
    words = _every(frequency, interval)
    if "COUNT" in parts and parts["COUNT"].isdigit():
        count = int(parts["COUNT"])
        return ngettext("%(every)s, %(count)s time", "%(every)s, %(count)s times", count) % {
            "every": words,
            "count": count,
        }
    if "UNTIL" in parts:
        until = parts["UNTIL"]
        return _("%(every)s, until %(date)s") % {"every": words, "date": f"{until[6:8]}/{until[4:6]}/{until[:4]}"}
    return words
