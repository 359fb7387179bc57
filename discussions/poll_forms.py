"""The poll form: on "Start a thread" (behind an "Add a poll" box) and on a thread's own "Add a
poll" page. It parses; discussions.services.polls checks the rules and saves.

The closing time is typed in the member's own time zone (their profile's `time_zone`) and
stored in UTC, as every date on the site is.
"""

import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import POLL_MAX_OPTIONS, POLL_MIN_OPTIONS, PollResults
from .services.polls import PollSpec, poll_spec_clean

POLL_PREFIX = "poll"


def member_zone(user) -> zoneinfo.ZoneInfo:
    name = getattr(user, "time_zone", "") or "UTC"
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


class PollForm(forms.Form):
    question = forms.CharField(label=_("Poll question"), max_length=300, required=False)
    options = forms.CharField(
        label=_("Poll options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=format_lazy(_("One option per line, {min} to {max}."), min=POLL_MIN_OPTIONS, max=POLL_MAX_OPTIONS),
    )
    multiple = forms.TypedChoiceField(
        label=_("Members can choose"),
        choices=[("0", _("One option")), ("1", _("Several options"))],
        coerce=lambda value: value == "1",
        empty_value=False,
        required=False,  # forms sent without the poll fields (older pages, the API) add no poll
        initial="0",
        widget=forms.RadioSelect,
    )
    max_choices = forms.IntegerField(
        label=_("At most (optional)"),
        required=False,
        min_value=1,
        max_value=POLL_MAX_OPTIONS,
        help_text=_("With several options: how many each member may pick. Empty: any number."),
    )
    closes_at = forms.DateTimeField(
        label=_("Closes (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    results = forms.ChoiceField(
        label=_("Show the results"),
        choices=PollResults.choices,
        required=False,
        initial=PollResults.ON_VOTE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, optional=True, **kwargs):
        """`optional`: on "Start a thread" a poll is made only when its question or options
        are filled in (leaving them empty means no poll); on a thread's "Add a poll" page the
        poll is what the form is for."""
        kwargs.setdefault("prefix", POLL_PREFIX)
        super().__init__(*args, **kwargs)
        self.zone = member_zone(user)
        self.optional = optional
        self.fields["closes_at"].help_text = gettext(
            "In your time zone, %(zone)s. Empty: open until closed by hand."
        ) % {"zone": self.zone.key}
        if not optional:
            self.fields["question"].required = self.fields["options"].required = True

    @property
    def wanted(self) -> bool:
        if not self.optional:
            return True
        typed = (self.data.get(self.add_prefix(name), "").strip() for name in ("question", "options"))
        return self.is_bound and any(typed)

    def clean_closes_at(self):
        value = self.cleaned_data["closes_at"]
        if value is None:
            return None
        # Django read it in the site's zone (UTC); the member meant their own wall clock.
        return timezone.make_aware(timezone.make_naive(value, timezone.get_current_timezone()), self.zone)

    @classmethod
    def typed(cls, data) -> dict:
        """What was typed into the poll fields, as initial values (a preview shows no errors)."""
        start = f"{POLL_PREFIX}-"
        return {key[len(start) :]: value for key, value in data.items() if key.startswith(start)}

    def clean(self):
        """The service's own rules, run here too so their messages sit next to the fields."""
        cleaned = super().clean()
        if not self.wanted or self.errors:
            return cleaned
        try:
            poll_spec_clean(self._spec(cleaned), now=timezone.now())
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return cleaned

    def spec(self) -> PollSpec | None:
        """The poll to make (None when none was asked for). Call after is_valid()."""
        if not self.wanted:
            return None
        return self._spec(self.cleaned_data)

    @staticmethod
    def _spec(data) -> PollSpec:
        return PollSpec(
            question=data.get("question") or "",
            options=(data.get("options") or "").splitlines(),
            multiple=bool(data.get("multiple")),
            max_choices=data.get("max_choices"),
            closes_at=data.get("closes_at"),
            results=data.get("results") or PollResults.ON_VOTE,
        )
