"""Project-wide form rendering: every form renders the same accessible markup (label, field,
help text, errors next to the field) from templates/includes/form.html and field.html."""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
