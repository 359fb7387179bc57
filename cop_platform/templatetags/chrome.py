"""`{% per_language %}…{% end_per_language %}`: a part of the page frame rendered once per
language (and script prefix) in each process, then reused: the script tags with their hashed
static names, the keyboard shortcuts dialog. Such a part may use only what is the same for
every request in one language: {% translate %}, {% static %}, {% url %} without arguments
from the request, LANGUAGE_CODE. Nothing about the viewer, the page or the request (no user,
no csrf_token, no query string): that would be shown to the next visitor. Settings (SITE_NAME)
are fine: what was kept is forgotten when a test changes one."""

import weakref

from django import template
from django.core.signals import setting_changed
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import mark_safe

register = template.Library()
_nodes: "weakref.WeakSet[PerLanguageNode]" = weakref.WeakSet()


def _forget(**kwargs):
    """A changed setting (tests override SITE_NAME, storages, URLs) may change what was kept."""
    for node in list(_nodes):
        node.rendered.clear()


setting_changed.connect(_forget, dispatch_uid="per_language_forget")


class PerLanguageNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.rendered: dict[tuple[str, str], str] = {}
        _nodes.add(self)

    def render(self, context):
        key = (translation.get_language(), get_script_prefix())
        html = self.rendered.get(key)
        if html is None:
            html = self.rendered[key] = mark_safe(self.nodelist.render(context))  # noqa: S308 (rendered template)
        return html


@register.tag
def per_language(parser, token):
    nodelist = parser.parse(("end_per_language",))
    parser.delete_first_token()
    return PerLanguageNode(nodelist)
