"""Survey periods. A period is named by its cadence: "2026-11" (monthly), "2026-Q4"
(quarterly), "2026-H2" (half-yearly). Periods follow the calendar in UTC; a period is open
until its last day ends, and answers can be changed until then."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Cadence(models.TextChoices):
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every quarter")
    HALF_YEARLY = "half_yearly", _("Every six months")


MONTHS = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.HALF_YEARLY: 6}
_PATTERN = re.compile(r"^(?P<year>\d{4})-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])|H(?P<half>[12]))$")


@dataclass(frozen=True)
class Period:
    name: str
    start: date
    end: date  # the first day after the period

    @property
    def label(self) -> str:
        """ "Q4 2026", "H2 2026", "November 2026": in the current language (read when shown)."""
        year, part = self.name.split("-")
        if part.startswith("Q"):
            return gettext("Q%(quarter)s %(year)s") % {"quarter": part[1:], "year": year}
        if part.startswith("H"):
            return gettext("H%(half)s %(year)s") % {"half": part[1:], "year": year}
        return format_date(self.start, "F Y")

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def is_open(self, today: date) -> bool:
        return self.start <= today < self.end


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_of(day: date, cadence: str) -> Period:
    """The period of `cadence` that `day` falls in."""
    months = MONTHS[cadence]
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    end = _add_months(start, months)
    if cadence == Cadence.MONTHLY:
        name = f"{day.year}-{first_month:02d}"
    elif cadence == Cadence.QUARTERLY:
        name = f"{day.year}-Q{(first_month - 1) // 3 + 1}"
    else:
        name = f"{day.year}-H{(first_month - 1) // 6 + 1}"
    return Period(name, start, end)


def parse_period(name: str) -> Period | None:
    """The period a name stands for, or None when it is not one."""
    found = _PATTERN.match(name or "")
    if not found:
        return None
    year = int(found["year"])
    if found["month"]:
        month = int(found["month"])
        return period_of(date(year, month, 1), Cadence.MONTHLY) if 1 <= month <= 12 else None
    if found["quarter"]:
        return period_of(date(year, (int(found["quarter"]) - 1) * 3 + 1, 1), Cadence.QUARTERLY)
    return period_of(date(year, (int(found["half"]) - 1) * 6 + 1, 1), Cadence.HALF_YEARLY)


def previous_periods(day: date, cadence: str, count: int) -> list[Period]:
    """The `count` periods up to and including the one `day` is in, oldest first."""
    periods = [period_of(day, cadence)]
    while len(periods) < count:
        periods.insert(0, period_of(periods[0].start - timedelta(days=1), cadence))
    return periods
