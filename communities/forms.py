"""Forms for the community pages. They parse and validate input; the services write."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Community, Stage


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def submit_form(form: forms.Form, write):
    """Run a service with a valid form's data, `write(form.cleaned_data)`. Its ValidationError
    lands on the form (next to the fields it names); returns what the service returned, or
    None if the form or the service refused. Every app's views submit their forms this way."""
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except ValidationError as error:
        add_service_error(form, error)
        return None


CHARTER_FORM_FIELDS = [
    "name", "slug", "tagline", "domain", "audience", "mandate", "norms", "tags", "stage", "visibility",
    "join_policy", "critical_mass", "members_may_schedule_events", "language",
]  # fmt: skip


class CommunityForm(forms.ModelForm):
    """The charter of a new community. Built on the model so field limits and choices stay in
    one place, but never saved by itself: the view hands `charter()` to community_create."""

    class Meta:
        model = Community
        fields = CHARTER_FORM_FIELDS
        widgets = {
            "domain": forms.Textarea(attrs={"rows": 4}),
            "audience": forms.Textarea(attrs={"rows": 3}),
            "visibility": forms.RadioSelect,
            "join_policy": forms.RadioSelect,
        }
        labels = {
            # The fields without a verbose name on the model, so their labels are translated too.
            "name": _("Name"),
            "slug": _("Address"),
            "tagline": _("Tagline"),
            "mandate": _("Mandate"),
            "visibility": _("Visibility"),
            "join_policy": _("Who can join"),
            "critical_mass": _("Critical mass"),
            "members_may_schedule_events": _("Members may schedule events"),
        }
        help_texts = {
            # field.html does not escape help text, so no angle brackets here.
            "slug": _(
                "Optional. Letters, digits and hyphens used in the address, e.g. /c/urban-water/. "
                "Left blank, it is made from the name."
            ),
            "tags": _("Topic tags that help people find the community, separated by commas."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False

    def validate_unique(self):
        """The services own uniqueness (and its message, also for a slug made from the name)."""

    def charter(self) -> dict:
        """The cleaned fields as keyword arguments for community_create / community_update."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}


class CommunityEditForm(CommunityForm):
    """The charter of an existing community: the slug stays fixed so links keep working."""

    class Meta(CommunityForm.Meta):
        fields = [name for name in CHARTER_FORM_FIELDS if name != "slug"]


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the coordinators (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who you are and why you would like to join."),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), help_text=_("They do not need an account yet."))
    message = forms.CharField(
        label=_("Personal message (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DirectoryFilterForm(forms.Form):
    """The directory's search and filters (GET). Every field is optional."""

    q = forms.CharField(
        label=_("Search"), required=False, max_length=200, widget=forms.TextInput(attrs={"type": "search"})
    )
    tag = forms.CharField(label=_("Topic tag"), required=False, max_length=100)
    audience = forms.CharField(label=_("Audience"), required=False, max_length=200)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("Any stage")), *Stage.choices])

    def filters(self) -> dict:
        """The valid filters, stripped; an invalid one is ignored (its error shows)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: (value or "").strip() for name, value in self.cleaned_data.items()}


class StageForm(forms.Form):
    """Move a community to another lifecycle stage, with an optional note for the timeline."""

    stage = forms.ChoiceField(label=_("Lifecycle stage"), choices=Stage.choices)
    note = forms.CharField(
        label=_("Why (optional)"), required=False, max_length=200, help_text=_("Shown on the health page's timeline.")
    )
