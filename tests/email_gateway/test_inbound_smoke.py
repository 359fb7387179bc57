import pytest

from email_gateway.addresses import community_address, reply_address
from email_gateway.inbound import receive
from tests.discussions.factories import make_thread
from tests.email_gateway.mail import raw

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _domain(settings):
    settings.INBOUND_EMAIL_DOMAIN = "mail.example.org"


def test_smoke(community, active_membership, member, coordinator, mailoutbox, django_capture_on_commit_callbacks):
    thread = make_thread(community=community, author=coordinator)
    outcome = receive(raw(to=reply_address(member, thread.pk)), transport="test")
    assert outcome.status == "posted", outcome
    with django_capture_on_commit_callbacks(execute=True):
        outcome = receive(raw(to=community_address(community), subject="New idea"), transport="test")
    assert outcome.status == "held_for_confirmation", outcome
    print([m.subject for m in mailoutbox], mailoutbox[-1].body)
