"""Forms of events-life's pages: reminder preferences, attendance, linking materials."""

from django import forms

from .models import EventReminderPreference


class ReminderPreferenceForm(forms.ModelForm):
    class Meta:
        model = EventReminderPreference
        fields = ["day_before", "hour_before"]
        labels = {
            "day_before": "Remind me a day before",
            "hour_before": "Remind me an hour before",
        }
        help_texts = {
            "day_before": "An email about 24 hours before each event you said you are going to.",
            "hour_before": "An email about an hour before it starts, with the meeting link or the place.",
        }


class AttendanceForm(forms.Form):
    attended = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Who attended"
    )
    add = forms.CharField(
        required=False,
        max_length=1000,
        label="Add members who came without answering",
        help_text="Usernames, separated by commas (for example amina, kwame).",
    )

    def __init__(self, *args, rsvps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [
            (rsvp.user_id, f"{rsvp.user.name} ({rsvp.get_response_display().lower()})") for rsvp in rsvps
        ]

    def usernames(self) -> list[str]:
        return [name for name in self.cleaned_data.get("add", "").replace(";", ",").split(",") if name.strip()]


class MaterialForm(forms.Form):
    item = forms.ChoiceField(label="Resource from the library")

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "Choose a resource…"), *choices]

    def kind_and_id(self) -> tuple[str, int]:
        kind, _, object_id = self.cleaned_data["item"].partition(":")
        return kind, int(object_id)
