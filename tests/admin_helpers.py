"""Driving the admin changelists of /manage/ and /admin/ in tests: choosing an action for
selected rows, answering the action's second page (templates/admin/confirm_action.html),
and reading the messages and the result table that come back."""

import re

from tests.communities.factories import CommunityFactory, coordinator_of
from tests.members.factories import UserFactory

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def other_coordinated_community(**fields):
    """Community B, "Urban Mobility", run by `bea`: what the `coordinator` of the `community`
    fixture must neither see nor change."""
    community = CommunityFactory(name="Urban Mobility", slug="urban-mobility", **fields)
    coordinator_of(community, user=UserFactory(username="bea"))
    return community


def run_action(client, url, action, *rows):
    """The first step: choosing an action for the selected rows on the changelist."""
    return client.post(url, {"action": action, "index": 0, "_selected_action": [row.pk for row in rows]}, follow=True)


def confirm_action(client, url, action, *rows, **answers):
    """The second step: what an action's own page posts back once the user answered or
    confirmed."""
    data = {"action": action, "confirm": "yes", "select_across": "0", "_selected_action": [row.pk for row in rows]}
    return client.post(url, {**data, **answers}, follow=True)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def result_table(response) -> str:
    page = response.content.decode()
    start = page.index('<table id="result_list">')
    return page[start : page.index("</table>", start)]


def without_admin_icons(html: str) -> str:
    """The admin's own yes/no icons (static images) are the only images a list may hold."""
    return re.sub(r'<img src="/static/admin/img/icon-(yes|no)\.svg" alt="(True|False)">', "", html)
