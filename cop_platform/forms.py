"""Project-wide form rendering: every form renders the same accessible markup (label, field,
help text, errors next to the field) from templates/includes/form.html and field.html, and a
form sent back with errors puts the focus on the first field to fix."""

from django.forms import BoundField
from django.forms.renderers import TemplatesSetting


class BoundFieldFocusingErrors(BoundField):
    """Marks the first visible field with errors `autofocus`: the browser moves focus (and a
    screen reader) straight to what needs fixing, without JavaScript."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors and self.name == _first_field_with_errors(self.form):
            attrs["autofocus"] = True
        return attrs


def _first_field_with_errors(form) -> str | None:
    return next((field.name for field in form.visible_fields() if field.errors), None)


class FormRenderer(TemplatesSetting):
    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
    bound_field_class = BoundFieldFocusingErrors
