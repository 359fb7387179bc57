"""The platform's email addresses: each reply address stands for one member and one thread,
cannot be forged or guessed, and stops working when the member revokes their addresses."""

import pytest
from django.core.exceptions import PermissionDenied

from email_gateway.addresses import (
    BounceRoute,
    CommunityRoute,
    ReplyRoute,
    bounce_address,
    read_address,
    reply_address,
    revoke_reply_addresses,
)
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _domain(settings):
    settings.INBOUND_EMAIL_DOMAIN = "mail.example.org"


def test_a_reply_address_reads_back_as_its_member_and_thread_and_fits_a_local_part():
    member = UserFactory()
    address = reply_address(member, 4321)
    assert address.endswith("@mail.example.org")
    assert len(address.split("@")[0]) <= 64
    assert read_address(address) == ReplyRoute(user=member, thread_id=4321)
    # Mail servers may change the case of the local part, and clients add angle brackets.
    assert read_address(f"<{address.upper()}>") == ReplyRoute(user=member, thread_id=4321)


def test_a_changed_thread_member_or_mac_is_refused():
    member, other = UserFactory(), UserFactory()
    local = reply_address(member, 7).split("@")[0]
    user_part, thread_part, mac = local.removeprefix("reply+").split(".")
    changed = "y" if mac.endswith("x") else "x"  # one character of the MAC, always a different one
    assert read_address(f"reply+{user_part}.{thread_part}.{mac[:-1]}{changed}@mail.example.org") is None
    assert read_address(f"reply+{user_part}.8.{mac}@mail.example.org") is None
    other_id = format(other.pk, "x")  # any other member id, any base
    assert read_address(f"reply+{other_id}.{thread_part}.{mac}@mail.example.org") is None
    assert read_address(reply_address(member, 7).replace("mail.example.org", "example.net")) is None


def test_revoking_stops_every_old_address_and_new_ones_work():
    member = UserFactory()
    old = reply_address(member, 7)
    revoke_reply_addresses(actor=member, user=member)
    assert read_address(old) is None
    assert read_address(reply_address(member, 7)) == ReplyRoute(user=member, thread_id=7)


def test_only_the_member_or_staff_may_revoke():
    member, stranger = UserFactory(), UserFactory()
    with pytest.raises(PermissionDenied):
        revoke_reply_addresses(actor=stranger, user=member)


def test_bounce_and_community_addresses(settings):
    member = UserFactory()
    assert read_address(bounce_address(member)) == BounceRoute(user=member)
    assert read_address("km4dev@mail.example.org") == CommunityRoute(slug="km4dev")
    assert read_address("bounces+zz.forged@mail.example.org") is None
    settings.INBOUND_EMAIL_DOMAIN = ""
    assert reply_address(member, 7) is None and read_address("km4dev@mail.example.org") is None
