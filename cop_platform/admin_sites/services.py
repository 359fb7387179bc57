"""The action machinery every app's admin shares: calling a service row by row, and the second
page an action shows to ask for a reason or a confirmation (templates/admin/confirm_action.html)."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

ROWS_LISTED = 20  # rows named on an action's second page; the rest are counted
CONFIRM_ACTION_TEMPLATE = "admin/confirm_action.html"


def site_link(url: str):
    """A link to the page on the site itself. The text is fixed and the address comes from
    `reverse` (ids and slugs), both escaped by format_html."""
    return format_html('<a href="{}">{}</a>', url, _("View on the site"))


def per_row_action(name: str, description: str, change, *, done, keep=None, skipped=""):
    """An admin action `name` that calls `change(actor, row)` for each selected row, through
    `ServiceAdmin.apply_per_row`. With `keep`, only the rows for which `keep(row)` holds, and
    a warning counts the others with `skipped`. `done` and `skipped` are whole sentences that
    count rows (see `counted`)."""

    def action(modeladmin, request, queryset):
        rows = queryset if keep is None else modeladmin.keep_rows(request, queryset, keep, skipped=skipped)
        modeladmin.apply_per_row(request, rows, lambda row: change(request.user, row), done=done)

    action.__name__ = name
    return admin.action(description=description)(action)


def counted(message, count: int) -> str | None:
    """`message` said of `count` rows: a whole sentence from
    `ngettext_lazy(singular, plural, "count")` (its %(count)s filled in, its plural chosen by
    the count), or a function of the count (when the sentence names something else too).
    None when `message` is a bare label without %(count)s."""
    if callable(message):
        return message(count)
    text = str(message % {"count": count})
    return None if text == str(message) else text


def _confirmed(request) -> bool:
    """Whether this POST comes from an action's second page (confirm_action.html) rather
    than from the changelist."""
    return request.POST.get("confirm") == "yes"


def _message_of(error: Exception) -> str:
    """The reason a service gave, as one sentence a coordinator can read."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You are not allowed to do that.")


class _ServiceRefused(Exception):
    """Raised out of save_model so that the admin's transaction rolls back."""

    def __init__(self, error: Exception):
        super().__init__(error)
        self.error = error


def _refusal_form(form_class, error: Exception):
    """`form_class` that reports a service's refusal next to the fields it names."""

    class RefusedForm(form_class):
        def clean(self):
            cleaned_data = super().clean()
            if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                for field, field_errors in error.error_dict.items():
                    self.add_error(field if field in self.fields else None, field_errors)
            else:
                self.add_error(None, _message_of(error))
            return cleaned_data

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


class ServiceAdmin:
    """ModelAdmin mixin for models whose writes go through services.

    A subclass implements `save_with_service(request, obj, form, change)`: call the service
    with the form's cleaned data and return the saved row. When the service refuses
    (ValidationError, PermissionDenied), nothing is kept and the form comes back with what
    was typed and the service's reasons beside the fields, as on the public pages.

    Actions call a service for each selected row with `apply_per_row` (`per_row_action`
    builds such an action), after `keep_rows` where some rows have nothing to change. An
    action that needs a word first answers a second page: `ask_then_apply` asks for a form
    (a reason, a destination), `delete_after_confirming` asks before deleting; `describe`
    names a selected row there.
    """

    def save_with_service(self, request, obj, form, change):
        raise NotImplementedError(f"{type(self).__name__} must save through a service.")

    def save_model(self, request, obj, form, change):
        try:
            saved = self.save_with_service(request, obj, form, change)
        except (ValidationError, PermissionDenied) as error:
            raise _ServiceRefused(error) from error
        # The admin goes on to log, message and redirect with `obj`: give it the saved row.
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        """The service saved the many-to-many fields (tags) with the row; these admins use no
        inlines, so there is nothing left to save."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _ServiceRefused as refused:
            # The first pass rolled back. Validate the same input again with the refusal
            # attached, which renders the form as typed with the reasons shown.
            request._service_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        return form_class if refusal is None else _refusal_form(form_class, refusal)

    def apply_per_row(self, request, queryset, service, *, done) -> int:
        """Call `service(row)` for every selected row. Each row succeeds or fails on its own:
        refusals become error messages naming the row, successes one summary. Returns the
        number of rows that succeeded."""
        succeeded = 0
        for row in queryset:
            try:
                service(row)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request, _("%(row)s: %(reason)s") % {"row": row, "reason": _message_of(error)}, messages.ERROR
                )
            else:
                succeeded += 1
        if succeeded:
            message = counted(done, succeeded) or _("%(done)s: %(count)s.") % {"done": done, "count": succeeded}
            self.message_user(request, message, messages.SUCCESS)
        return succeeded

    def keep_rows(self, request, rows, keep, *, skipped) -> list:
        """The rows for which `keep(row)` holds, with a warning counting the others with
        `skipped`, a whole sentence (`counted`: "Skipped %(count)s already featured."):
        featuring a resource twice would only add a second audit entry."""
        rows = list(rows)
        kept = [row for row in rows if keep(row)]
        if len(kept) < len(rows):
            count = len(rows) - len(kept)
            message = counted(skipped, count)
            if message is None:  # a bare label
                message = ngettext("Skipped %(count)s %(skipped)s.", "Skipped %(count)s %(skipped)s.", count) % {
                    "count": count,
                    "skipped": skipped,
                }
            self.message_user(request, message, messages.WARNING)
        return kept

    def describe(self, row) -> str:
        """How a selected row is named on an action's second page."""
        return str(row)

    def rows_to_describe(self, queryset):
        """`queryset` with what `describe` reads (an annotation, say)."""
        return queryset

    def deletion_note(self, queryset) -> str:
        """What else deleting `queryset` takes with it, said on the confirmation page."""
        return ""

    def ask_then_apply(self, request, queryset, *, action: str, form_class, title: str, submit: str, apply, **kwargs):
        """An action in two steps. The first POST (from the changelist) answers a page that
        names the selected rows and asks for `form_class` (built with `kwargs`); that page
        posts back to the changelist with the same selection and confirm=yes, and once the
        form is valid `apply(cleaned_data)` runs. Returns the page to show, or None when done
        (the admin then redirects to the changelist, whose messages say what happened)."""
        form = form_class(request.POST if _confirmed(request) else None, **kwargs)
        if form.is_valid():
            apply(form.cleaned_data)
            return None
        rows, count = self._selection(queryset)
        return self._second_page(request, action=action, rows=rows, count=count, title=title, form=form, submit=submit)

    def delete_after_confirming(self, request, queryset, *, action: str, delete, done: str):
        """Deleting in two steps: the changelist's POST answers a page naming the selected
        rows and `deletion_note`; that page posts back with confirm=yes and the same
        selection, and then `delete(row)` runs for each row. Returns the page to show, or
        None when done."""
        if _confirmed(request):
            self.apply_per_row(request, queryset, delete, done=done)
            return None
        rows, count = self._selection(queryset)
        return self._second_page(
            request,
            action=action,
            rows=rows,
            count=count,
            title=_("Delete %(count)s %(name)s?") % {"count": count, "name": self._name_for(count)},
            deleting=True,
            note=self.deletion_note(queryset),
        )

    def _selection(self, queryset) -> tuple[list[str], int]:
        """The first ROWS_LISTED selected rows described, and how many are selected (counted
        in the database only when there are more)."""
        rows = list(self.rows_to_describe(queryset)[: ROWS_LISTED + 1])
        count = len(rows) if len(rows) <= ROWS_LISTED else queryset.count()
        return [self.describe(row) for row in rows[:ROWS_LISTED]], count

    def _name_for(self, count: int) -> str:
        return self.opts.verbose_name if count == 1 else self.opts.verbose_name_plural

    def _second_page(self, request, *, action: str, rows: list[str], count: int, title: str, form=None, **context):
        """The page an action answers before it changes anything (admin/confirm_action.html):
        `form` to fill in, or with `deleting` the admin's own delete-confirmation look."""
        request.current_app = self.admin_site.name
        look = "delete-confirmation delete-selected-confirmation" if context.get("deleting") else "change-form"
        context = {
            **self.admin_site.each_context(request),
            **context,
            "title": title,
            "opts": self.opts,
            # The <body> classes of the admin's own pages of that kind (their styles apply).
            "body_class": f"app-{self.opts.app_label} model-{self.opts.model_name} {look}",
            "rows": rows,
            "count": count,
            "more": count - min(count, ROWS_LISTED),
            "selected_name": self._name_for(count),
            "form": form,
            "action": action,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": request.get_full_path(),
        }
        status = 400 if form is not None and form.errors else 200
        return TemplateResponse(request, CONFIRM_ACTION_TEMPLATE, context, status=status)


class ReadOnlyAdmin(ServiceAdmin):
    """ModelAdmin mixin for rows that are only read here: no adding, changing or deleting in
    a form, so the only writes are actions that call services. Listed first among an admin's
    bases, so that this read-only rule wins over `CoordinatorScopedAdmin`'s."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
