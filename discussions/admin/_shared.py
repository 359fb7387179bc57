"""What the moderation admins share: post excerpts, the read-only base, the forms that ask
for a reason or a destination, and the visibility filters."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from cop_platform.admin_sites import (
    ReadOnlyAdmin,
    site_link,
)

from ..models import Post

EXCERPT_LENGTH = 80


def post_excerpt(post: Post) -> str:
    """A post's text on one line, shortened, with its state in front. Plain text: the admin
    escapes it like any other value."""
    if post.is_deleted:
        return gettext("(deleted by its author)")
    text = Truncator(" ".join(post.body.split())).chars(EXCERPT_LENGTH)
    return gettext("(hidden) %(text)s") % {"text": text} if post.is_hidden else text


class ModerationAdmin(ReadOnlyAdmin):
    """Read-only admins whose only writes are actions that call the moderation services."""

    def move_choices(self, request):
        """Communities a thread may be moved to from this site."""
        return Community.objects.coordinated_by(request.user).order_by("name")

    @admin.display(description=_("on the site"))
    def on_site(self, row):
        return site_link(row.get_absolute_url())

    def hide_with_reason(self, request, queryset, *, hide, rows=None, action, form_class, title, submit, done):
        """An action that first asks the reason shown to authors, then calls
        `hide(row, reason)` for each selected row (or for `rows`, derived from them)."""

        def apply(data):
            chosen = queryset if rows is None else rows
            self.apply_per_row(request, chosen, lambda row: hide(row, data["reason"]), done=done)

        return self.ask_then_apply(
            request, queryset, action=action, form_class=form_class, title=title, submit=submit, apply=apply
        )


def reason_form(*, label: str, required: bool, help_text: str) -> type[forms.Form]:
    field = forms.CharField(
        label=label, required=required, max_length=300, help_text=help_text, widget=forms.Textarea(attrs={"rows": 3})
    )
    if required:
        field.error_messages["required"] = _("Say why, so the author understands.")
    return type("ReasonForm", (forms.Form,), {"reason": field})


PostHideForm = reason_form(
    label=_("Reason shown to the author"), required=True, help_text=_("Say why, so the author understands.")
)
FlagHideForm = reason_form(
    label=_("Reason shown to the authors"),
    required=False,
    help_text=_("Leave it empty to give each author the reason the post was flagged for (e.g. “Off topic”)."),
)
ThreadHideForm = reason_form(
    label=_("Reason"),
    required=False,
    help_text=_("Shown to the coordinators on the hidden thread's page."),
)


class MoveForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("Move to"), queryset=Community.objects.none(), empty_label=_("Choose a community")
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class VisibilityFilter(admin.SimpleListFilter):
    """Filter by whether a coordinator hid the row (and, for posts, its author deleted it)."""

    title = _("visibility")
    parameter_name = "visibility"
    conditions: dict[str, tuple[str, Q]] = {}

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _) in self.conditions.items()]

    def queryset(self, request, queryset):
        condition = self.conditions.get(self.value())
        return queryset if condition is None else queryset.filter(condition[1])


class ThreadVisibilityFilter(VisibilityFilter):
    conditions = {
        "visible": (_("Visible"), Q(hidden_at=None)),
        "hidden": (_("Hidden by a coordinator"), Q(hidden_at__isnull=False)),
    }


class PostVisibilityFilter(VisibilityFilter):
    conditions = {
        "visible": (_("Visible"), Q(hidden_at=None, deleted_at=None)),
        "hidden": (_("Hidden by a coordinator"), Q(hidden_at__isnull=False)),
        "deleted": (_("Deleted by the author"), Q(deleted_at__isnull=False)),
    }
