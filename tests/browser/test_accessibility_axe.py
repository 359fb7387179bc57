"""axe-core finds no violations on the key pages a coordinator uses, at desktop and phone width.

The pages hold real content (a thread with a reply, a practice, a file, a notification, a
search with results) so the rules check what members see, not empty shells.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_file_resource, make_practice

from .axe import axe_violations, describe
from .conftest import DESKTOP, PHONE
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser


# Every list a coordinator has in /manage/: Django's admin styles are not ours, and the issue
# found target-size, link-in-text-block and empty-table-header failures on them.
MANAGE_CHANGELISTS = [
    "communities/community",
    "communities/membership",
    "communities/invitation",
    "communities/auditentry",
    "members/emaildelivery",
    "discussions/thread",
    "discussions/post",
    "discussions/flag",
    "resources/resource",
    "resources/resourceversion",
]


def key_pages():
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    cora = coordinator_of(community, user=UserFactory(username="cora", display_name="Cora Mensah"))
    amara = MembershipFactory(community=community, user=UserFactory(username="amara", display_name="Amara Okafor")).user
    thread = make_thread(
        community=community,
        author=amara,
        title="Handpump spare parts",
        body="Where do you buy **spare parts**?\n\n| Part | Price |\n|---|---|\n| Seal | 4 |",
        kind="question",
    )
    make_reply(thread=thread, author=cora, body="From the district store, @amara.")
    make_reply(thread=thread, author=amara, body="Thanks @cora, we will try that.")
    practice = make_practice(community=community, author=cora)
    make_file_resource(community=community, author=amara)
    return cora, [
        "/",
        reverse("communities:directory"),
        community.get_absolute_url(),
        thread.get_absolute_url(),
        reverse("discussions:new", kwargs={"community_slug": community.slug}),
        reverse("resources:library", kwargs={"community_slug": community.slug}),
        practice.get_absolute_url(),
        reverse("members:directory"),
        reverse("members:profile", kwargs={"username": "amara"}),
        reverse("members:settings"),
        reverse("members:notifications"),
        "/search/?q=spare+parts",
        "/search/?q=nothing-matches-this",
        "/manage/",
        *(f"/manage/{changelist}/" for changelist in MANAGE_CHANGELISTS),
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_key_pages_have_no_axe_violations(new_page, console_errors, viewport):
    cora, paths = key_pages()
    page = new_page(viewport=viewport)
    sign_in(page, email=cora.email)
    found = {}
    for path in paths:
        page.goto(path)
        expect(page.locator("h1").first).to_be_visible()
        violations = axe_violations(page)
        print(f"{viewport['width']}px {path}: {len(violations)} violations")
        if violations:
            found[path] = describe(violations)
    assert not found, "axe-core violations:\n" + "\n".join(f"{path}\n{text}" for path, text in found.items())
    console_errors.assert_none()
