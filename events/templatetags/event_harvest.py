"""{% event_harvest occurrence %}: the harvest block of an event page (events.harvest), for the
signed-in viewer in the template's `request`, once the occurrence has started. One line in
events-core's page template."""

from django import template
from django.utils import timezone

from ..harvest import harvest_for, link_choices

register = template.Library()


@register.inclusion_tag("events/partials/_harvest.html", takes_context=True)
def event_harvest(context, occurrence):
    if occurrence.starts_at > timezone.now():
        return {"harvest": None}  # nothing to harvest yet: no queries on an upcoming event's page
    user = context["request"].user
    harvest = harvest_for(user, occurrence)
    if harvest["can_link"]:
        harvest["choices"] = link_choices(user, occurrence)
    return {"harvest": harvest, "csrf_token": context.get("csrf_token")}
