""" "Send me my digest now" from /manage/: the signed-in member's own digest, at once."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from communities.digests.schedule import digest_plan_for_now
from members.models import EmailDelivery
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_thread

pytestmark = pytest.mark.django_db
URL = "/manage/digest/send-now/"


def test_coordinator_gets_their_digest_at_once_without_blocking_the_scheduled_one(client, community, coordinator):
    member = MembershipFactory(community=community).user
    make_thread(community=community, author=member, title="Fresh from the field")
    client.force_login(coordinator)

    response = client.post(URL, follow=True)

    assert response.redirect_chain[-1][0] == "/manage/"
    assert "Your digest was sent" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == [coordinator.email]
    assert "Fresh from the field" in message.body
    delivery = EmailDelivery.objects.get(recipient=coordinator)
    assert delivery.key.startswith("digest:manual:")
    assert delivery.state == "sent"


def test_asking_twice_in_a_minute_sends_one_digest(client, community, coordinator):
    make_thread(community=community, author=MembershipFactory(community=community).user, title="News")
    client.force_login(coordinator)

    client.post(URL)
    response = client.post(URL, follow=True)

    assert len(mail.outbox) == 1
    assert "already on its way" in response.content.decode()


def test_nothing_new_says_so_and_sends_nothing(client, member, community):
    MembershipFactory(community=community, user=member)
    client.force_login(member)

    client.post(URL)

    assert mail.outbox == []
    assert EmailDelivery.objects.get(recipient=member).state == "skipped"


def test_only_signed_in_members_and_only_by_post(client):
    assert client.post(URL).status_code == 302  # to the login page
    assert EmailDelivery.objects.count() == 0
    assert client.get(URL).status_code == 405


def test_the_manage_home_page_offers_the_button_to_coordinators(client, community, coordinator):
    client.force_login(coordinator)

    page = client.get("/manage/").content.decode()

    assert f'action="{URL}"' in page
    assert "Send me my digest now" in page


def test_the_demo_coordinator_gets_a_digest_with_something_in_it(client):
    # The months of history (tests/communities/test_health_demo.py seeds them) add nothing new
    # to this week's digest; the plain demo is enough and much faster.
    call_command("seed_demo", no_history=True, stdout=io.StringIO())
    coordinator = get_user_model().objects.get(email="coordinator@example.org")
    client.force_login(coordinator)
    mail.outbox.clear()

    client.post(URL)

    (digest,) = [message for message in mail.outbox if message.to == [coordinator.email]]
    assert "NEW IN THE LIBRARY" in digest.body
    assert "NEW MEMBERS" in digest.body
    assert EmailDelivery.objects.get(recipient=coordinator, key__startswith="digest:manual:").state == "sent"


def test_the_service_refuses_a_visitor_and_records_nothing():
    with pytest.raises(PermissionDenied):
        digest_plan_for_now(actor=AnonymousUser())
    assert not EmailDelivery.objects.exists()
