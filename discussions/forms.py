"""Forms for the discussion pages. They parse and validate input; the services write.

Bodies are Markdown. The body textareas ask discussions:preview for a live preview (htmx,
after a pause in typing) and every form that has a body also has a plain "Preview" button
for browsers without JavaScript.
"""

from uuid import uuid4

from django import forms
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField

from communities.models import Community

from .models import FlagReason, Post, Thread, ThreadKind

BODY_MAX_LENGTH = Post._meta.get_field("body").max_length
TITLE_MAX_LENGTH = Thread._meta.get_field("title").max_length
BODY_HELP = _(
    "Markdown: **bold**, _italic_, lists, links, tables and fenced code. "
    "Mention people with @username: type @ and a few letters of their name to pick them."
)


def new_submission_key() -> str:
    """A key the form sends once, so a double-clicked submit makes one post."""
    return uuid4().hex


def body_field(*, label, preview_target: str, rows: int = 8) -> forms.CharField:
    """A Markdown body textarea that asks for a live preview into `#preview_target`."""
    return forms.CharField(
        label=label,
        max_length=BODY_MAX_LENGTH,
        help_text=BODY_HELP,
        # The services strip and refuse an empty body with their own message.
        strip=False,
        error_messages={"required": _("Write something before posting.")},
        widget=forms.Textarea(
            attrs={
                "rows": rows,
                "hx-post": reverse_lazy("discussions:preview"),
                "hx-trigger": "keyup changed delay:500ms",
                "hx-target": f"#{preview_target}",
                "hx-swap": "innerHTML",
            }
        ),
    )


def ask_for_similar_threads(form: forms.Form, community: Community) -> None:
    """Have the title field ask the search app for similar threads as the member types
    (htmx, after a pause), shown in #similar-threads."""
    form.fields["title"].widget.attrs.update(
        {
            "hx-get": f"{reverse('search:similar')}?{urlencode({'community': community.slug})}",
            "hx-trigger": "keyup changed delay:600ms, search",
            "hx-target": "#similar-threads",
            "hx-swap": "innerHTML",
            "autocomplete": "off",
        }
    )


class ThreadFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All threads")), *ThreadKind.choices])
    unanswered = forms.BooleanField(label=_("Unanswered questions only"), required=False)
    tag = forms.SlugField(label=_("Tag"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # a filter bar reads better without colons
        super().__init__(*args, **kwargs)

    def filters(self) -> dict:
        """Keyword arguments for selectors.threads_for_listing (invalid input filters nothing)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {
            "kind": self.cleaned_data["kind"],
            "unanswered": self.cleaned_data["unanswered"],
            "tag": self.cleaned_data["tag"],
        }


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ThreadKind.choices,
        initial=ThreadKind.DISCUSSION,
        widget=forms.RadioSelect,
        help_text=_("A question can get an accepted answer."),
    )
    tags = TagField(label=_("Tags"), required=False, help_text=_("Topic tags, separated by commas."))
    body = body_field(label=_("Your post"), preview_target="body-preview", rows=10)
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


class ThreadEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    tags = TagField(label=_("Tags"), required=False, help_text=_("Topic tags, separated by commas."))


class ReplyForm(forms.Form):
    body = body_field(label=_("Your reply"), preview_target="body-preview", rows=6)
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


class PostEditForm(forms.Form):
    body = body_field(label=_("Text"), preview_target="body-preview", rows=10)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", _("Choose a reason")), *FlagReason.choices])
    detail = forms.CharField(
        label=_("Anything the coordinators should know (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason shown to the author"),
        max_length=300,
        help_text=_("Say why, so the author understands."),
    )


class ThreadModerationForm(forms.Form):
    """One moderation action on a thread. `community` is the destination of a move, chosen
    among the communities the coordinator runs."""

    ACTIONS = ["pin", "unpin", "lock", "unlock", "close", "reopen", "hide", "restore", "move"]

    action = forms.ChoiceField(choices=[(action, action) for action in ACTIONS])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)
    community = forms.ModelChoiceField(label=_("Move to"), queryset=Community.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.coordinated_by(user)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "move" and not cleaned.get("community"):
            self.add_error("community", gettext("Choose the community to move the thread to."))
        return cleaned
