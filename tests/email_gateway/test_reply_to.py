"""Reply by email from the emails members already get: notification emails about one thread
carry its reply address as Reply-To, every item about a thread has its own "Reply by email"
link, and none of it appears while email-in is off."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from communities.tasks import send_digest_batch
from email_gateway.addresses import bounce_address, read_address, reply_address
from email_gateway.models import MemberMailKey
from members.mailing import render_member_email
from members.models import EmailDelivery, Notification
from members.notification_emails import send_pending
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db
DOMAIN = "mail.example.org"


@pytest.fixture(autouse=True)
def _email_in(settings):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN


def _emails_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def _mailtos(text: str) -> list[str]:
    return [word for word in text.replace('"', " ").split() if word.startswith("mailto:reply+")]


def test_a_notification_email_about_one_thread_has_its_reply_address_as_reply_to(
    community, active_membership, member, coordinator, committed
):
    thread = make_thread(community=community, author=member, title="Chlorination doses")
    with committed():
        make_reply(thread=thread, author=coordinator, body="Try 0.5 mg/l")
    [message] = _emails_to(member)
    [reply_to] = message.reply_to
    route = read_address(reply_to)
    assert route.user == member and route.thread_id == thread.pk
    assert message.from_email == bounce_address(member)
    assert message.message()["From"] == message.extra_headers["From"]
    html = message.alternatives[0][0]
    [link] = _mailtos(html)
    assert parse_qs(urlsplit(link.replace("&amp;", "&")).query)["subject"] == ["Re: Chlorination doses"]
    assert f"write to {reply_to}" in message.body


def _unsent(member):
    """As if the notification emails had not gone yet (they wait a little to collapse)."""
    mail.outbox.clear()
    Notification.objects.filter(recipient=member).update(emailed_at=None, email_delivery=None)
    EmailDelivery.objects.all().delete()


def test_a_collapsed_email_about_several_threads_has_no_reply_to_but_a_link_per_item(
    community, active_membership, member, coordinator, committed
):
    first = make_thread(community=community, author=member, title="First")
    second = make_thread(community=community, author=member, title="Second")
    with committed():
        make_reply(thread=first, author=coordinator)
        make_reply(thread=second, author=coordinator)
    _unsent(member)
    assert send_pending(recipient_id=member.pk) == 1
    [message] = _emails_to(member)
    assert message.reply_to == []
    links = _mailtos(message.alternatives[0][0])
    assert {read_address(urlsplit(link).path.removeprefix("mailto:")).thread_id for link in links} == {
        first.pk,
        second.pk,
    }


def test_no_reply_to_and_no_links_when_email_in_is_off(
    settings, community, active_membership, member, coordinator, committed
):
    settings.INBOUND_EMAIL_DOMAIN = ""
    thread = make_thread(community=community, author=member, title="Quiet")
    with committed():
        make_reply(thread=thread, author=coordinator)
    [message] = _emails_to(member)
    assert message.reply_to == []
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "From" not in message.extra_headers
    assert "Reply by email" not in message.alternatives[0][0]


@pytest.mark.parametrize("threads", [2, 12])
def test_the_notification_email_costs_the_same_queries_with_reply_links(
    community, active_membership, member, coordinator, committed, django_assert_max_num_queries, threads
):
    made = [make_thread(community=community, author=member, title=f"T{n}") for n in range(threads)]
    with committed():
        for thread in made:
            make_reply(thread=thread, author=coordinator)
    _unsent(member)
    with django_assert_max_num_queries(26):  # the same for 2 and 12 threads
        assert send_pending(recipient_id=member.pk) == 1
    assert len(_mailtos(_emails_to(member)[0].alternatives[0][0])) == threads


def test_digest_items_about_threads_have_a_reply_by_email_link(community, active_membership, member, coordinator):
    thread = make_thread(community=community, author=coordinator, title="Borehole siting")
    delivery = EmailDelivery.objects.create(
        recipient=member, kind="digest", key="digest:weekly:2026-W48", created_at=timezone.now() + timedelta(minutes=1)
    )
    send_digest_batch.delay(delivery_ids=[delivery.pk])
    [message] = _emails_to(member)
    assert reply_address(member, thread.pk) in message.body
    assert message.reply_to == []  # a digest is about many threads


def test_revoked_reply_addresses_are_replaced_in_new_emails(community, active_membership, member, coordinator):
    old = reply_address(member, 5)
    MemberMailKey.objects.create(user=member, generation=3)
    message = render_member_email(
        user=member, template="members/email/notifications", context={"notifications": [], "count": 0},
        scope="notifications", reply_thread_id=5,
    )  # fmt: skip
    assert message.reply_to == [reply_address(member, 5)] != [old]
    assert read_address(old) is None


def test_anymail_backends_keep_their_own_envelope_sender(settings, member):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    message = render_member_email(
        user=member, template="members/email/notifications", context={"notifications": [], "count": 0},
        scope="notifications", reply_thread_id=5,
    )  # fmt: skip
    assert message.from_email == settings.DEFAULT_FROM_EMAIL and "From" not in message.extra_headers
    assert message.reply_to == [reply_address(member, 5)]


def test_settings_page_stops_every_reply_address_after_confirmation(client, member):
    client.force_login(member)
    old = reply_address(member, 9)
    page = client.get(reverse("email_gateway:reply_addresses"))
    assert "Stop my reply addresses" in page.content.decode() and read_address(old) is not None
    response = client.post(reverse("email_gateway:reply_addresses"), follow=True)
    assert "Your old reply addresses are stopped" in response.content.decode()
    assert read_address(old) is None
    assert "stop my reply addresses" in client.get(reverse("members:settings_notifications")).content.decode()


def test_settings_page_says_when_email_in_is_off(client, member, settings):
    settings.INBOUND_EMAIL_DOMAIN = ""
    client.force_login(member)
    page = client.get(reverse("email_gateway:reply_addresses")).content.decode()
    assert "not set up on this site" in page
    assert "stop my reply addresses" not in client.get(reverse("members:settings_notifications")).content.decode()
    assert client.post(reverse("email_gateway:reply_addresses")).status_code == 200
    assert not MemberMailKey.objects.filter(user=member).exists()


def test_the_reply_addresses_page_needs_a_signed_in_member(client):
    response = client.get(reverse("email_gateway:reply_addresses"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_members_of_one_digest_batch_each_get_their_own_reply_link_for_a_shared_item(community, coordinator):
    thread = make_thread(community=community, author=coordinator, title="Borehole siting")
    first, second = UserFactory(), UserFactory()
    planned = timezone.now() + timedelta(minutes=1)
    deliveries = []
    for user in (first, second):
        MembershipFactory(community=community, user=user)
        deliveries.append(
            EmailDelivery.objects.create(
                recipient=user, kind="digest", key="digest:weekly:2026-W48", created_at=planned
            )
        )
    send_digest_batch.delay(delivery_ids=[d.pk for d in deliveries])

    [to_first], [to_second] = _emails_to(first), _emails_to(second)
    assert reply_address(first, thread.pk) in to_first.body and reply_address(first, thread.pk) not in to_second.body
    assert reply_address(second, thread.pk) in to_second.body and reply_address(second, thread.pk) not in to_first.body
    assert "Borehole siting" in to_first.alternatives[0][0] and "Borehole siting" in to_second.alternatives[0][0]
