"""The search page's form: the words, and the filters that narrow them. Bad input comes back
with a message next to the field and the typed text kept."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify

from . import text
from .engine import SearchFilters
from .registry import all_sources


class PlainSelect(forms.Select):
    """A select of plain options (no groups), written in Python: the community filter lists
    every community the searcher may read (200 on a large site), and Django's template per
    option cost about 7 ms of every search page. The same markup as forms.Select."""

    def render(self, name, value, attrs=None, renderer=None):
        wanted = self.format_value(value)
        options, chosen = [], False
        for choice, label in self.choices:
            value = str(choice)
            selected = not chosen and value in wanted
            chosen = chosen or selected
            options.append((value, " selected" if selected else "", label))
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            format_html_join("\n", '<option value="{}"{}>{}</option>', options),
        )


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search for",
        required=False,
        strip=True,
        help_text='Use "quotes" for a phrase, -word to leave a word out, OR for either word.',
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    type = forms.ChoiceField(label="Type", required=False)
    community = forms.ChoiceField(
        label="Community",
        required=False,
        widget=PlainSelect,
        error_messages={"invalid_choice": "There is no community you can read at that address."},
    )
    tag = forms.CharField(label="Topic tag", required=False, max_length=100)
    author = forms.CharField(label="Author (username)", required=False, max_length=150)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, communities, **kwargs):
        """`communities`: those whose content the searcher may read (the scope choices)."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.communities = communities
        # (slug, name) pairs, not model instances: two hundred communities on a large site.
        self.fields["community"].choices = [("", "All communities"), *communities.values_list("slug", "name")]
        self.fields["type"].choices = [("", "Everything"), *((s.kind, s.plural) for s in all_sources())]

    def clean_q(self):
        query = self.cleaned_data["q"]
        if (problem := text.problem_with(query)) is not None:
            raise forms.ValidationError(problem)
        return query

    def clean_community(self):
        """The Community chosen (one the searcher may read: the choices are only those), or None."""
        slug = self.cleaned_data["community"]
        if not slug:
            return None
        # Read again: it may have been hidden or deleted since the choices were.
        community = self.communities.filter(slug=slug).first()
        if community is None:
            raise forms.ValidationError(self.fields["community"].error_messages["invalid_choice"])
        return community

    def clean_tag(self):
        return slugify(self.cleaned_data["tag"].lstrip("#"))

    def clean_author(self):
        return self.cleaned_data["author"].lstrip("@").strip()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        return SearchFilters(
            kinds=(data["type"],) if data["type"] else (),
            community=data["community"],
            tag=data["tag"],
            author=data["author"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )

    def has_filters(self) -> bool:
        return any(self.data.get(name) for name in ("type", "community", "tag", "author", "date_from", "date_to"))
