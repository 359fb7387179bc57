"""Forms for the value survey and stories. They parse and validate; the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .cycles import STEPS
from .models import Rating
from .periods import Cadence


class SurveySettingsForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Send the value survey to this community's members"),
        required=False,
        help_text=_(
            "Active members who have been members for two weeks or more get one email per period, "
            "whether they post or only read (reading is value too). Members who muted this community "
            "or turned reminders off are not emailed; nobody is asked twice in a period."
        ),
    )
    cadence = forms.ChoiceField(label=_("How often"), choices=Cadence.choices, initial=Cadence.QUARTERLY)


def _step_fields() -> dict:
    return {
        name: forms.CharField(
            label=question,
            help_text=meaning,
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
        for _, name, question, meaning in STEPS
    }


SHOW_NAME = forms.BooleanField(
    label=_("Show my name with my story"),
    required=False,
    help_text=_("Unticked, coordinators and the community's sponsors see it as told by “a member”."),
)


class StoryForm(forms.Form):
    """A value-creation story in the framework's steps; stop wherever your story stops."""

    show_name = SHOW_NAME

    def __init__(self, *args, require_story: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        steps = _step_fields()
        if require_story:
            steps["happened"].required = True
        declared = dict(self.fields)  # the rating (survey) first, the steps, then the consent
        show_name = declared.pop("show_name")
        self.fields = {**declared, **steps, "show_name": show_name}

    def steps(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for _, name, _, _ in STEPS}


class SurveyAnswerForm(StoryForm):
    rating = forms.TypedChoiceField(
        label=_("How valuable was the community to you in this period?"),
        choices=Rating.choices,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1: not valuable · 5: extremely valuable."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, require_story=False, **kwargs)
