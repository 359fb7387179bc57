"""Forms of events-life's pages: attendance, linking materials."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AttendanceForm(forms.Form):
    attended = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label=_("Who attended")
    )
    add = forms.CharField(
        required=False,
        max_length=1000,
        label=_("Add members who came without answering"),
        help_text=_("Usernames, separated by commas (for example amina, kwame)."),
    )

    def __init__(self, *args, rsvps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [
            (rsvp.user_id, f"{rsvp.user.name} ({str(rsvp.get_response_display()).lower()})") for rsvp in rsvps
        ]

    def usernames(self) -> list[str]:
        return [name for name in self.cleaned_data.get("add", "").replace(";", ",").split(",") if name.strip()]


class MaterialForm(forms.Form):
    item = forms.ChoiceField(label=_("Resource from the library"))

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", gettext("Choose a resource…")), *choices]

    def kind_and_id(self) -> tuple[str, int]:
        kind, _sep, object_id = self.cleaned_data["item"].partition(":")
        return kind, int(object_id)
