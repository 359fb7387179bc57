"""The activity home in a real browser, at desktop and phone width: a coordinator signs in and
sees what is new in her communities and her to-dos, follows a to-do to the members page, and
on a phone the activity comes first and nothing overflows the screen."""

import pytest
from playwright.sync_api import expect

from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_link

from .conftest import PHONE
from .test_onboarding_journey import fits_the_screen, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_coordinator_sees_what_is_new_and_her_to_dos(new_page, console_errors, viewport):
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    cora = coordinator_of(community, user=UserFactory(username="cora", display_name="Cora Mensah"))
    bruno = MembershipFactory(community=community, user=UserFactory(username="bruno", display_name="Bruno Silva")).user
    MembershipFactory(community=community, user=UserFactory(display_name="Dina Rao"), state="pending")
    make_thread(community=community, author=bruno, title="Who repairs solar pumps locally?", kind="question")
    make_link(community=community, author=bruno, title="Handpump maintenance manual")

    page = new_page(viewport=viewport)
    sign_in(page, email=cora.email)
    page.goto("/")
    news = page.get_by_role("region", name="What's new in your communities")
    expect(news.get_by_role("link", name="Who repairs solar pumps locally?")).to_be_visible()
    expect(news.get_by_role("link", name="Handpump maintenance manual")).to_be_visible()
    to_dos = page.get_by_role("region", name="Your to-dos as coordinator")
    expect(to_dos.get_by_role("link", name="1 question nobody has replied to")).to_be_visible()
    assert fits_the_screen(page)
    if viewport is PHONE:  # main content first: the news above the to-dos
        assert news.bounding_box()["y"] < to_dos.bounding_box()["y"]

    to_dos.get_by_role("link", name="1 join request waiting").click()
    expect(page.get_by_role("heading", name="Join requests (1)")).to_be_visible()
    console_errors.assert_none()
