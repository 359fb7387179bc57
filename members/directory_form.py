"""The member directory's filter fields, rendered once per process for each language, set of
choices and submitted values.

Rendering them costs more than anything else on a directory page but the search: Django
draws every option of every select through its widget templates (about 225 options on a
site with many countries and communities: ~15 ms a request, a sixth of the expertise
finder's time at a million posts). What they show depends only on the language, each
field's choices (the Community field's differ by viewer: the key holds them, so a viewer
never gets another's list), and the submitted values; a form with errors is drawn afresh.
"""

import hashlib
from collections import OrderedDict
from threading import Lock

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

KEPT = 256  # kinds of rendering kept per process (~15 KB each)
_rendered: OrderedDict[str, dict[str, SafeString]] = OrderedDict()
_lock = Lock()  # gunicorn's threaded workers share the dict


def _key(form) -> str:
    parts = [get_language() or ""]
    for name, field in form.fields.items():
        choices = getattr(field, "choices", None)
        parts.append(f"{name}:{[(str(value), str(label)) for value, label in choices] if choices is not None else ''}")
        if form.is_bound:
            parts.append(repr(form.data.getlist(name) if hasattr(form.data, "getlist") else form.data.get(name)))
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _render(form) -> dict[str, SafeString]:
    def draw(fields):
        return mark_safe("".join(str(field.as_field_group()) for field in fields))  # noqa: S308 (Django's widgets)

    return {"primary": draw(form.primary_fields()), "secondary": draw(form.secondary_fields())}


def filter_fields_html(form) -> dict[str, SafeString]:
    """{"primary": ..., "secondary": ...}: the field groups `{{ field.as_field_group }}` draws."""
    if form.is_bound and form.errors:
        return _render(form)
    key = _key(form)
    with _lock:
        if key in _rendered:
            _rendered.move_to_end(key)
            return _rendered[key]
    rendered = _render(form)
    with _lock:
        _rendered[key] = rendered
        while len(_rendered) > KEPT:
            _rendered.popitem(last=False)
    return rendered
