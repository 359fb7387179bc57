"""{% event_harvest occurrence %}: the harvest block of an event page (events.harvest), for the
signed-in viewer in the template's `request`. One line in events-core's page template."""

from django import template

from ..harvest import harvest_for, link_choices

register = template.Library()


@register.inclusion_tag("events/partials/_harvest.html", takes_context=True)
def event_harvest(context, occurrence):
    user = context["request"].user
    harvest = harvest_for(user, occurrence)
    if harvest["can_link"] and occurrence.is_past:
        harvest["choices"] = link_choices(user, occurrence)
    return {"harvest": harvest, "csrf_token": context.get("csrf_token")}
