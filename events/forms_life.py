"""Forms of events-life's pages: attendance, linking materials."""

from django import forms


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
