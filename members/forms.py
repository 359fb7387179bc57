"""Forms for profiles and the member directory. They parse and validate input; the writes are
in members.services, which also checks the photo (see members.avatars)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .avatars import ACCEPTED_FORMATS
from .directory_choices import present_values
from .directory_filters import directory_filters
from .expertise import Topic
from .models import TIME_ZONE_CHOICES, DigestFrequency, EmailChoice, EmailPreferences, User
from .regions import region_choices, region_countries
from .services import PROFILE_FIELDS, profile_update

AVATAR_ACCEPT = ",".join(f"image/{fmt.lower()}" for fmt in sorted(ACCEPTED_FORMATS))


class ProfileForm(forms.ModelForm):
    # A plain file field: the one check of what an acceptable photo is lives in the service,
    # so the admin, this page and the tests refuse the same files with the same message.
    avatar = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": AVATAR_ACCEPT}),
        help_text=_("A JPEG, PNG, GIF or WebP image. It is cropped to a square."),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my current photo"), required=False)

    class Meta:
        model = User
        fields = [*PROFILE_FIELDS[:7], "expertise", *PROFILE_FIELDS[7:]]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 8}),
            "profile_visibility": forms.RadioSelect,
        }
        labels = {
            "display_name": _("Name"),
            "headline": _("Headline"),
            "organisation": _("Organisation"),
            "discipline": _("Discipline"),
            "country": _("Country"),
            "languages": _("Languages"),
            "expertise": _("Expertise"),
            "bio": _("About you"),
            "time_zone": _("Time zone"),
            "profile_visibility": _("Who can see your profile"),
        }
        help_texts = {"expertise": _("Topics you know well, separated by commas. Members find experts by these.")}

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


class SignupDetailsForm(forms.Form):
    """What allauth's sign-up form asks beyond the account (settings.ACCOUNT_SIGNUP_FORM_CLASS):
    the name other members see, so a newcomer is not known only by a username."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=User._meta.get_field("display_name").max_length,
        required=False,
        help_text=_("How other members see you, e.g. 'Amara Okafor'. Leave blank to use your username."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["email", "display_name", "username", "password1", "password2"]

    def signup(self, request, user):
        """allauth calls this once the account row exists; the write goes through the service."""
        if name := self.cleaned_data.get("display_name", "").strip():
            profile_update(actor=user, user=user, display_name=name)


class DirectoryFilterForm(forms.Form):
    """The member directory's filters and the expertise finder (a GET form). Discipline,
    country and language offer only the values present among the profiles the viewer may see;
    filters registered by other apps (members.directory_filters) come last."""

    topic = forms.CharField(
        label=_("Who knows about"),
        required=False,
        max_length=100,
        help_text=_(
            "A topic tag or a few words, e.g. groundwater. Members are ranked by what they declared and shared."
        ),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    q = forms.CharField(
        label=_("Name or headline"), required=False, max_length=100, widget=forms.TextInput(attrs={"type": "search"})
    )
    discipline = forms.ChoiceField(label=_("Discipline"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=120)
    language = forms.ChoiceField(label=_("Language"), required=False)
    expertise = forms.CharField(label=_("Expertise tag"), required=False, max_length=100)

    def __init__(self, *args, profiles, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        present = present_values(profiles)  # kept in the cache a few minutes (directory_choices.py)
        self.fields["discipline"].choices = [
            ("", gettext("Any discipline")),
            *((value, value) for value in present["disciplines"]),
        ]
        codes = present["countries"]
        self.fields["country"].choices = [
            ("", gettext("Any country")),
            *((code, name) for code, name in countries if code in codes),
        ]
        self.fields["region"].choices = [("", gettext("Any region")), *region_choices(codes)]
        self.fields["language"].choices = [
            ("", gettext("Any language")),
            *((name, name) for name in present["languages"]),
        ]
        self.extra_filters = directory_filters()
        for extra in self.extra_filters:
            self.fields[extra.name] = extra.field(viewer)

    # Shown at once; the rest fold under "More filters" (open when one of them is in use), so
    # on a phone the results are not a long scroll below the form.
    PRIMARY = ("topic", "q")

    def primary_fields(self):
        return [self[name] for name in self.PRIMARY]

    def secondary_fields(self):
        return [field for field in self.visible_fields() if field.name not in self.PRIMARY]

    def secondary_in_use(self) -> bool:
        return self.is_bound and any(self.data.get(field.name) for field in self.secondary_fields())

    def asked_topic(self) -> Topic | None:
        """The expertise finder's topic, when one was asked for."""
        if self.is_bound and self.is_valid() and (text := " ".join(self.cleaned_data["topic"].split())):
            return Topic(text)
        return None

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
        if region := data.get("region"):
            profiles = profiles.filter(country__in=sorted(region_countries(region)))
        if organisation := data.get("organisation", "").strip():
            profiles = profiles.filter(organisation__icontains=organisation)
        if language := data.get("language"):
            profiles = profiles.filter(languages__icontains=language)
        if expertise := data.get("expertise", "").strip():
            profiles = profiles.filter(pk__in=User.objects.filter(expertise__name__iexact=expertise).values("pk"))
        for extra in self.extra_filters:
            if value := data.get(extra.name):
                profiles = extra.apply(viewer=self.viewer, users=profiles, value=value)
        return profiles


class EmailPreferencesForm(forms.ModelForm):
    """What a member wants by email, plus their time zone (the digest hour is in it)."""

    time_zone = forms.ChoiceField(
        label=_("Your time zone"), choices=TIME_ZONE_CHOICES, help_text=_("The digest hour below is in this time zone.")
    )
    # Declared fields come after the model's; the help text points down to the digest hour.
    field_order = ["replies", "mentions", "events", "digest_frequency", "time_zone", "digest_hour"]

    class Meta:
        model = EmailPreferences
        fields = [
            "replies",
            "mentions",
            "events",
            "digest_frequency",
            "digest_hour",
            "digest_weekday",
            "reminders",
            "coordinator_alerts",
        ]
        widgets = {
            "replies": forms.RadioSelect,
            "mentions": forms.RadioSelect,
            "events": forms.RadioSelect,
            "digest_frequency": forms.RadioSelect,
        }
        labels = {
            "replies": _("Replies to your posts and threads"),
            "mentions": _("When someone mentions you (@name)"),
            "events": _("Event news for you (a place opened up on a waiting list)"),
            "digest_frequency": _("Digest of what's new in your communities"),
            "digest_hour": _("Send my digest at"),
            "digest_weekday": _("Weekly digest on"),
            "reminders": _("Welcome emails and a reminder when I've been away and missed something"),
            "coordinator_alerts": _("Coordinator alerts (waiting join requests, unanswered questions, flags)"),
        }
        help_texts = {"digest_weekday": _("Only used for the weekly digest.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = user.time_zone
        # Added with events: a form posted without it (an older page) keeps what was saved.
        self.fields["events"].required = False

    def clean_events(self):
        return self.cleaned_data.get("events") or self.instance.events

    def clean(self):
        data = super().clean()
        if data.get("digest_frequency") == DigestFrequency.OFF:
            for field in ("replies", "mentions", "events"):
                if data.get(field) == EmailChoice.DIGEST:
                    self.add_error(
                        field,
                        gettext(
                            "Your digest is switched off, so nothing would reach you. Choose a daily or weekly "
                            "digest below, or another option here."
                        ),
                    )
        return data

    def preference_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}
