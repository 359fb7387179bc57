"""A member whose address bounces sees why on a phone, and says it is fixed in one tap."""

import pytest
from playwright.sync_api import expect

from members.bouncing import bounce_record
from tests.members.factories import UserFactory

from .axe import assert_no_axe_violations
from .conftest import PHONE
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser


def test_the_bounce_banner_on_a_phone_and_its_fixed(new_page, console_errors):
    member = UserFactory(username="amara", email="amara@example.org")
    bounce_record(user=member, kind="permanent", address=member.email, status="5.1.1", detail="User unknown", key="b1")

    phone = new_page(viewport=PHONE)
    sign_in(phone, email=member.email)
    phone.goto("/communities/")
    banner = phone.get_by_role("region", name="Your email address bounces")
    expect(banner).to_contain_text("Our emails to a…@example.org bounced on")
    expect(banner).to_contain_text("the mailbox does not exist: 5.1.1")
    box = banner.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], "the banner overflows the phone screen"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_no_axe_violations(phone)

    banner.get_by_role("button", name="It's fixed, send again").click()

    expect(phone.get_by_text("We will email amara@example.org again.")).to_be_visible()
    expect(phone.get_by_role("region", name="Your email address bounces")).to_have_count(0)
    assert phone.url.endswith("/communities/")
    console_errors.assert_none()
