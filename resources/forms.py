"""Forms for the library pages. They parse and validate input; the services write (and check
files, addresses and permissions with their own messages, shown next to the same fields)."""

from types import SimpleNamespace

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField
from taggit.utils import edit_string_for_tags

from communities.models import MembershipState

from .models import LANGUAGE_CHOICES, Licence, Resource, ResourceKind, ResourceVersion
from .uploads import ACCEPTED_DESCRIPTION, ACCEPTED_EXTENSIONS

# The sections a new practice starts with.
PRACTICE_HEADINGS = {
    "context": _("Context"),
    "worked": _("What worked"),
    "lessons": _("Lessons"),
    "sources": _("Sources"),
}
MARKDOWN_HELP = _("Markdown: ## headings, **bold**, _italic_, lists, links and tables.")
CHOOSE_AGAIN = _("Choose the file again: browsers do not keep a chosen file after an error.")
# The orders selectors.SORTS knows.
SORT_LABELS = {"newest": _("Newest first"), "downloads": _("Most downloaded"), "updated": _("Recently updated")}

_model = Resource._meta.get_field


def tags_as_text(names) -> str:
    """Tag names as the text a tag field shows (quoted where a name holds a comma or space)."""
    return edit_string_for_tags([SimpleNamespace(name=name) for name in names])


def practice_template() -> str:
    """A new practice's headings, in the writer's language."""
    return "\n\n".join(f"## {heading}" for heading in PRACTICE_HEADINGS.values()) + "\n"


def upload_help() -> str:
    # field.html shows help text unescaped: only our own words here, never member input.
    extensions = ", ".join(ACCEPTED_EXTENSIONS)
    return gettext(
        "Up to %(size)s. Accepted: %(accepted)s (%(extensions)s). "
        "Web pages, SVG drawings, scripts and programs are refused."
    ) % {
        "size": filesizeformat(settings.RESOURCE_MAX_UPLOAD_BYTES),
        "accepted": ACCEPTED_DESCRIPTION,
        "extensions": extensions,
    }


def upload_field(*, label: str) -> forms.FileField:
    return forms.FileField(
        label=label,
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("This file is empty."),
            "invalid": _("No file was sent. Check the form's encoding and try again."),
        },
        widget=forms.FileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}),
    )


class LibraryFilterForm(forms.Form):
    """The library's filter bar (a GET form, so it works without JavaScript)."""

    q = forms.CharField(
        label=_("Search the library"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title, summary, text or file name")}),
    )
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *ResourceKind.choices])
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=list(SORT_LABELS.items()))
    archived = forms.BooleanField(label=_("Show archived resources"), required=False)

    def __init__(self, *args, tags=(), languages=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        tag_choices = [(tag.slug, tag.name) for tag in tags]
        current_tag = self.data.get("tag") if self.is_bound else ""
        if current_tag and current_tag not in {slug for slug, _name in tag_choices}:
            tag_choices.append((current_tag, current_tag))  # a tag link from elsewhere keeps working
        self.fields["tag"].choices = [("", gettext("All tags")), *tag_choices]
        names = dict(LANGUAGE_CHOICES)
        language_choices = sorted(((code, str(names.get(code, code))) for code in languages), key=lambda pair: pair[1])
        self.fields["language"].choices = [("", gettext("All languages")), *language_choices]

    def filters(self) -> dict:
        """Keyword arguments for selectors.library (invalid input filters nothing)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "tag": data["tag"],
            "language": data["language"],
            "q": data["q"].strip(),
            "sort": data["sort"] or "newest",
            "archived": data["archived"],
        }


class ResourceForm(forms.Form):
    """What every resource has: its description."""

    title = forms.CharField(label=_("Title"), max_length=_model("title").max_length)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=_model("summary").max_length,
        help_text=_("What it is and who it helps."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    tags = TagField(label=_("Topic tags"), required=False, help_text=_("Separated by commas."))
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, initial="en")
    licence = forms.ChoiceField(
        label=_("Licence"),
        choices=Licence.choices,
        initial=Licence.CC_BY,
        help_text=_("How others may reuse it."),
    )

    def __init__(self, *args, community=None, user=None, **kwargs):
        self.community, self.user = community, user
        super().__init__(*args, **kwargs)

    def resource_fields(self) -> dict:
        """The cleaned data as keyword arguments for resource_create / resource_update."""
        return dict(self.cleaned_data)


class FileResourceForm(ResourceForm):
    upload = upload_field(label=_("File"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = upload_help()


class LinkResourceForm(ResourceForm):
    url = forms.URLField(
        label=_("Address"),
        max_length=_model("url").max_length,
        assume_scheme="https",
        help_text=_("An http:// or https:// address. The platform never opens it for you."),
    )


class PracticeFields(forms.Form):
    body = forms.CharField(
        label=_("The practice"),
        max_length=_model("body").max_length,
        strip=False,
        help_text=MARKDOWN_HELP,
        error_messages={"required": _("Write the practice before saving it.")},
        widget=forms.Textarea(attrs={"rows": 16}),
    )
    review_by = forms.DateField(
        label=_("Review by"),
        required=False,
        help_text=_("When this practice should be checked again."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class OwnerChoice(forms.Form):
    """The practice's owner: one of the community's active members (or whoever is writing:
    staff need not be members)."""

    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("The member who keeps it current. Left empty, that is you."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        members = Q(memberships__community=self.community, memberships__state=MembershipState.ACTIVE)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(members | Q(pk=getattr(self.user, "pk", None))).distinct()
        )
        self.fields["owner"].label_from_instance = lambda user: f"{user.name} (@{user.username})"


class PracticeResourceForm(OwnerChoice, ResourceForm, PracticeFields):
    field_order = ["title", "summary", "body", "owner", "review_by", "tags", "language", "licence"]


class LinkEditForm(ResourceForm):
    url = LinkResourceForm.base_fields["url"]


class PracticeEditForm(OwnerChoice, ResourceForm, PracticeFields):
    field_order = ["title", "summary", "body", "owner", "review_by", "tags", "language", "licence"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].required = True
        self.fields["owner"].help_text = _("The member who keeps it current; hand it on when you step back.")


NEW_FORMS = {
    ResourceKind.FILE: FileResourceForm,
    ResourceKind.LINK: LinkResourceForm,
    ResourceKind.PRACTICE: PracticeResourceForm,
}
EDIT_FORMS = {
    ResourceKind.FILE: ResourceForm,
    ResourceKind.LINK: LinkEditForm,
    ResourceKind.PRACTICE: PracticeEditForm,
}


class VersionForm(forms.Form):
    upload = upload_field(label=_("New version"))
    note = forms.CharField(
        label=_("What changed (optional)"),
        required=False,
        max_length=ResourceVersion._meta.get_field("note").max_length,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = upload_help()
