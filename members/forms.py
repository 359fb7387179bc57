"""Forms for profiles and the member directory. They parse and validate input; the writes are
in members.services, which also checks the photo (see members.avatars)."""

from django import forms
from django.db.models import Q
from django_countries import countries

from .avatars import ACCEPTED_FORMATS
from .models import TIME_ZONE_CHOICES, DigestFrequency, EmailChoice, EmailPreferences, User
from .services import PROFILE_FIELDS

AVATAR_ACCEPT = ",".join(f"image/{fmt.lower()}" for fmt in sorted(ACCEPTED_FORMATS))


class ProfileForm(forms.ModelForm):
    # A plain file field: the one check of what an acceptable photo is lives in the service,
    # so the admin, this page and the tests refuse the same files with the same message.
    avatar = forms.FileField(
        label="Photo",
        required=False,
        widget=forms.FileInput(attrs={"accept": AVATAR_ACCEPT}),
        help_text="A JPEG, PNG, GIF or WebP image. It is cropped to a square.",
    )
    remove_avatar = forms.BooleanField(label="Remove my current photo", required=False)

    class Meta:
        model = User
        fields = [*PROFILE_FIELDS[:7], "expertise", *PROFILE_FIELDS[7:]]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 8}),
            "profile_visibility": forms.RadioSelect,
        }
        labels = {
            "display_name": "Name",
            "bio": "About you",
            "time_zone": "Time zone",
            "profile_visibility": "Who can see your profile",
        }
        help_texts = {"expertise": "Topics you know well, separated by commas. Members find experts by these."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.avatar:
            del self.fields["remove_avatar"]

    def service_kwargs(self) -> dict:
        """The cleaned input as keyword arguments for members.services.profile_update."""
        data = self.cleaned_data
        kwargs = {name: data[name] for name in PROFILE_FIELDS}
        kwargs["expertise"] = data["expertise"]
        kwargs["avatar"] = data.get("avatar") or None
        kwargs["remove_avatar"] = data.get("remove_avatar", False)
        return kwargs


class DirectoryFilterForm(forms.Form):
    """The member directory's filters (a GET form). Discipline and country offer only the
    values present among the profiles the viewer may see."""

    q = forms.CharField(
        label="Name or headline", required=False, max_length=100, widget=forms.TextInput(attrs={"type": "search"})
    )
    discipline = forms.ChoiceField(label="Discipline", required=False)
    country = forms.ChoiceField(label="Country", required=False)
    expertise = forms.CharField(label="Expertise", required=False, max_length=100)

    def __init__(self, *args, profiles, **kwargs):
        super().__init__(*args, **kwargs)
        disciplines = (
            profiles.exclude(discipline="").order_by("discipline").values_list("discipline", flat=True).distinct()
        )
        self.fields["discipline"].choices = [("", "Any discipline"), *((value, value) for value in disciplines)]
        codes = set(profiles.exclude(country="").order_by().values_list("country", flat=True).distinct())
        self.fields["country"].choices = [
            ("", "Any country"),
            *((code, name) for code, name in countries if code in codes),
        ]

    def filter(self, profiles):
        """`profiles` narrowed by the valid filters (an invalid one is ignored and shown as an error)."""
        if not self.is_bound:
            return profiles
        self.is_valid()
        data = self.cleaned_data
        if query := data.get("q", "").strip():
            profiles = profiles.filter(
                Q(username__icontains=query) | Q(display_name__icontains=query) | Q(headline__icontains=query)
            )
        if discipline := data.get("discipline"):
            profiles = profiles.filter(discipline=discipline)
        if country := data.get("country"):
            profiles = profiles.filter(country=country)
        if expertise := data.get("expertise", "").strip():
            profiles = profiles.filter(expertise__name__iexact=expertise).distinct()
        return profiles


class EmailPreferencesForm(forms.ModelForm):
    """What a member wants by email, plus their time zone (the digest hour is in it)."""

    time_zone = forms.ChoiceField(
        label="Your time zone", choices=TIME_ZONE_CHOICES, help_text="The digest hour below is in this time zone."
    )

    class Meta:
        model = EmailPreferences
        fields = [
            "replies",
            "mentions",
            "digest_frequency",
            "digest_hour",
            "digest_weekday",
            "reminders",
            "coordinator_alerts",
        ]
        widgets = {
            "replies": forms.RadioSelect,
            "mentions": forms.RadioSelect,
            "digest_frequency": forms.RadioSelect,
        }
        labels = {
            "replies": "Replies to your posts and threads",
            "mentions": "When someone mentions you (@name)",
            "digest_frequency": "Digest of what's new in your communities",
            "digest_hour": "Send my digest at",
            "digest_weekday": "Weekly digest on",
            "reminders": "Welcome emails and a reminder when I've been away and missed something",
            "coordinator_alerts": "Coordinator alerts (waiting join requests, unanswered questions, flags)",
        }
        help_texts = {"digest_weekday": "Only used for the weekly digest."}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = user.time_zone

    def clean(self):
        data = super().clean()
        if data.get("digest_frequency") == DigestFrequency.OFF:
            for field in ("replies", "mentions"):
                if data.get(field) == EmailChoice.DIGEST:
                    self.add_error(
                        field,
                        "Your digest is switched off, so nothing would reach you. Choose a daily or weekly "
                        "digest below, or another option here.",
                    )
        return data

    def preference_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}
