"""Mailing-list mode: every new post reaches the members who turned it on, once, threaded in
their mail program, and only where they may read it."""

import email
from email import policy

import pytest
from django.core import mail
from django.urls import reverse

from communities.models import Membership
from discussions.services.moderating import thread_hide
from email_gateway.addresses import bounce_address, read_address
from email_gateway.mailing_list import list_key, list_mail_plan
from email_gateway.message_ids import post_id_from_message_id, post_message_id
from email_gateway.tasks import list_mail_recover, send_list_mail
from members.mailing import unsubscribe
from members.models import EmailDelivery
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db
DOMAIN = "lists.example.org"


@pytest.fixture(autouse=True)
def _email_in(settings):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.DEFAULT_FROM_EMAIL = "CoP Platform <noreply@example.org>"


@pytest.fixture
def lister(community, coordinator):
    return MembershipFactory(community=community, user=UserFactory(username="lina"), mailing_list_mode=True).user


@pytest.fixture
def author(community, coordinator):
    return MembershipFactory(community=community, user=UserFactory(username="arto")).user


@pytest.fixture
def posting(django_capture_on_commit_callbacks):
    """Post through the services and run what they queue after the commit (eager tasks)."""

    def run(make, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return make(**kwargs)

    return run


def list_mail_to(user):
    """The list emails `user` got, parsed as their mail program would."""
    return [
        email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
        for message in mail.outbox
        if message.to == [user.email] and "List-Id" in message.extra_headers
    ]


def test_a_new_thread_reaches_a_list_member_as_a_mailing_list_message(community, lister, author, posting, settings):
    thread = posting(make_thread, community=community, author=author, title="Pumps in dry season", body="**Hi** all")
    [message] = list_mail_to(lister)
    opening = thread.posts.get()
    assert message["Subject"] == "[Water Security] Pumps in dry season"
    assert message["Message-ID"] == post_message_id(opening)
    assert post_id_from_message_id(message["Message-ID"]) == opening.pk
    assert message["In-Reply-To"] is None and message["References"] is None
    assert message["List-Id"] == f'"Water Security" <water-security.{DOMAIN}>'
    assert message["List-Post"] == f"<mailto:water-security@{DOMAIN}>"
    assert message["List-Archive"] == f"<{settings.SITE_URL}/c/water-security/discussions/>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Precedence"] == "list"
    assert message["Auto-Submitted"] is None  # replies to list mail are wanted (RFC 3834)
    assert read_address(message["Reply-To"]).thread_id == thread.pk
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "**Hi** all" in text and "<strong>Hi</strong> all" in html
    assert "Reply to this email" in text and "Unsubscribe from every new post in Water Security" in text


def test_replies_thread_under_the_opening_post_and_their_parents(community, lister, author, coordinator, posting):
    thread = posting(make_thread, community=community, author=author, title="Meters")
    opening = thread.posts.get()
    top = posting(make_reply, thread=thread, author=coordinator, body="First answer")
    nested = posting(make_reply, thread=thread, author=author, parent=top, body="Thanks")
    messages = list_mail_to(lister)
    assert [m["Subject"] for m in messages] == ["[Water Security] Meters", *["[Water Security] Re: Meters"] * 2]
    assert messages[1]["In-Reply-To"] == post_message_id(opening)
    assert messages[1]["References"] == post_message_id(opening)
    assert messages[2]["Message-ID"] == post_message_id(nested)
    assert messages[2]["In-Reply-To"] == post_message_id(top)
    assert messages[2]["References"].split() == [post_message_id(opening), post_message_id(top)]


def test_the_envelope_sender_is_the_members_bounce_address_and_from_stays_ours(community, lister, author, posting):
    posting(make_thread, community=community, author=author)
    [sent] = [m for m in mail.outbox if m.to == [lister.email]]
    assert sent.from_email == bounce_address(lister)  # SMTP's MAIL FROM (VERP)
    assert sent.message()["From"] == "CoP Platform <noreply@example.org>"


def test_without_email_in_list_mail_has_no_reply_to_and_no_list_post(settings, community, lister, author, posting):
    settings.INBOUND_EMAIL_DOMAIN = ""
    posting(make_thread, community=community, author=author, title="Offline")
    [message] = list_mail_to(lister)
    assert message["Reply-To"] is None
    assert message["List-Post"] == "NO"
    assert post_id_from_message_id(message["Message-ID"]) is not None
    assert "Reply on the site" in message.get_body(("plain",)).get_content()
    [sent] = [m for m in mail.outbox if m.to == [lister.email]]
    assert sent.from_email == settings.DEFAULT_FROM_EMAIL


def test_the_author_and_members_without_list_mode_get_no_list_mail(community, author, coordinator, posting):
    MembershipFactory(community=community, user=UserFactory(username="quiet"))
    Membership.objects.filter(user=author).update(mailing_list_mode=True)
    posting(make_thread, community=community, author=author)
    assert not [m for m in mail.outbox if "List-Id" in m.extra_headers]


def test_muted_community_and_unsubscribed_from_all_get_nothing(community, lister, author, posting):
    Membership.objects.filter(user=lister).update(email_muted=True)
    posting(make_thread, community=community, author=author)
    assert list_mail_to(lister) == []
    Membership.objects.filter(user=lister).update(email_muted=False)
    unsubscribe(user=lister, scope="all")
    posting(make_thread, community=community, author=author)
    assert list_mail_to(lister) == []
    assert not Membership.objects.get(user=lister).mailing_list_mode


def test_a_thread_hidden_before_sending_reaches_only_coordinators(community, lister, author, coordinator):
    Membership.objects.filter(user=coordinator).update(mailing_list_mode=True)
    thread = make_thread(community=community, author=author, title="Soon hidden")  # planned, not sent yet
    thread_hide(actor=coordinator, thread=thread, reason="Off topic")
    send_list_mail(post_id=thread.posts.get().pk, community_id=community.pk)
    assert list_mail_to(lister) == []
    assert EmailDelivery.objects.get(recipient=lister).state == "skipped"
    [message] = list_mail_to(coordinator)  # coordinators may still read it
    assert message["Subject"] == "[Water Security] Soon hidden"


def test_a_private_communitys_posts_reach_only_its_members():
    private = CommunityFactory(visibility="private", slug="private-one", name="Private One")
    outsider = UserFactory(username="outsider")
    MembershipFactory(community=private, user=outsider, state="pending", mailing_list_mode=True)
    member = MembershipFactory(community=private, user=UserFactory(username="insider"), mailing_list_mode=True).user
    author = MembershipFactory(community=private, user=UserFactory(username="writer")).user
    make_thread(community=private, author=author)  # no commit callbacks: planned, not sent
    planned = set(EmailDelivery.objects.filter(kind="mailing_list").values_list("recipient__username", flat=True))
    assert planned == {member.username}


def test_a_member_removed_before_sending_is_skipped(community, lister, author):
    thread = make_thread(community=community, author=author)  # planned in the post's transaction
    delivery = EmailDelivery.objects.get(recipient=lister)
    assert delivery.key == list_key(thread.posts.get().pk) and delivery.state == "pending"
    Membership.objects.filter(user=lister).update(state="banned")
    send_list_mail(post_id=thread.posts.get().pk, community_id=community.pk)
    delivery.refresh_from_db()
    assert delivery.state == "skipped" and list_mail_to(lister) == []


def test_one_email_per_post_and_member_even_when_the_task_runs_twice(community, lister, author, posting):
    thread = posting(make_thread, community=community, author=author)
    post_id = thread.posts.get().pk
    send_list_mail(post_id=post_id, community_id=community.pk)
    send_list_mail.apply(kwargs={"post_id": post_id, "community_id": community.pk})
    list_mail_recover()
    assert len(list_mail_to(lister)) == 1
    assert EmailDelivery.objects.get(recipient=lister).state == "sent"


def test_a_lost_task_is_recovered(settings, community, lister, author):
    settings.LIST_MAIL_RECOVERY_AFTER = 0
    make_thread(community=community, author=author)  # its send task never ran
    assert list_mail_to(lister) == []
    assert list_mail_recover() == 1
    assert len(list_mail_to(lister)) == 1


def test_one_click_unsubscribe_turns_mailing_list_mode_off(community, lister, author, posting, client, settings):
    posting(make_thread, community=community, author=author)
    [message] = list_mail_to(lister)
    url = message["List-Unsubscribe"].strip().strip("<>")
    path = url.removeprefix(settings.SITE_URL)
    page = client.get(path)
    assert "every new post in Water Security by email (mailing-list mode)" in page.content.decode()
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code in (200, 302)
    assert not Membership.objects.get(user=lister).mailing_list_mode
    mail.outbox.clear()
    posting(make_thread, community=community, author=author)
    assert list_mail_to(lister) == []
    # The confirmation page's "Undo" turns it back on.
    client.post(path, {"action": "resubscribe"})
    assert Membership.objects.get(user=lister).mailing_list_mode


def test_attachments_are_links_never_files(community, lister, author, posting, settings):
    thread = posting(make_thread, community=community, author=author, body="See ![chart](/x/chart.png) and [doc](/d/)")
    [sent] = [m for m in mail.outbox if m.to == [lister.email]]
    assert sent.attachments == []
    html = list_mail_to(lister)[0].get_body(("html",)).get_content()
    assert "<img" not in html
    assert f'href="{settings.SITE_URL}/d/"' in html
    assert thread


def test_sending_to_many_members_costs_a_fixed_number_of_queries(
    community, author, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    def planned_post(list_members: int):
        for _ in range(list_members):
            MembershipFactory(community=community, mailing_list_mode=True)
        thread = make_thread(community=community, author=author)
        return thread.posts.get().pk

    few = planned_post(3)
    # A fixed cost per batch, plus the one UPDATE that records each message sent the moment
    # the mail server took it (communities.outgoing: nothing may come between the two).
    with django_assert_max_num_queries(16 + 3):
        send_list_mail(post_id=few, community_id=community.pk)
    many = planned_post(30)
    with django_assert_max_num_queries(16 + 33):
        send_list_mail(post_id=many, community_id=community.pk)
    assert len([m for m in mail.outbox if "List-Id" in m.extra_headers]) == 3 + 33


def test_list_members_get_no_second_email_about_a_reply_to_them(community, lister, author, posting, settings):
    settings.NOTIFICATION_EMAIL_DELAY_SECONDS = 0
    thread = posting(make_thread, community=community, author=lister, title="Mine")
    mail.outbox.clear()
    posting(make_reply, thread=thread, author=author, body="A reply to you @lina")
    to_lister = [m for m in mail.outbox if m.to == [lister.email]]
    assert len(to_lister) == 1 and "List-Id" in to_lister[0].extra_headers
    assert lister.notifications.count() == 1  # still on /notifications/


def test_the_toggle_on_the_community_page_turns_list_mode_on_and_off(client, community, author):
    client.force_login(author)
    page = client.get(community.get_absolute_url())
    assert "Get every post by email" in page.content.decode()
    response = client.post(reverse("communities:mailing_list_mode", args=[community.slug]), {"on": "1"}, follow=True)
    assert "Mailing-list mode is on" in response.content.decode()
    assert Membership.objects.get(user=author).mailing_list_mode
    response = client.post(reverse("communities:mailing_list_mode", args=[community.slug]), {"on": "0"}, follow=True)
    assert "Mailing-list mode is off" in response.content.decode()
    assert not Membership.objects.get(user=author).mailing_list_mode


def test_a_non_member_cannot_turn_list_mode_on(client, community, coordinator):
    outsider = UserFactory(username="passing")
    client.force_login(outsider)
    response = client.post(reverse("communities:mailing_list_mode", args=[community.slug]), {"on": "1"}, follow=True)
    assert "Only members of Water Security" in response.content.decode()
    assert not Membership.objects.filter(user=outsider).exists()


def test_settings_list_each_community_with_its_list_mode(client, community, lister):
    client.force_login(lister)
    page = client.get(reverse("communities:email_mutes")).content.decode()
    assert "Mailing-list mode" in page and "Stop mailing-list mode" in page


def test_the_community_page_shows_its_address_to_members_who_may_post(client, community, author, settings):
    client.force_login(author)
    assert f"water-security@{DOMAIN}" in client.get(community.get_absolute_url()).content.decode()
    settings.INBOUND_EMAIL_DOMAIN = ""
    assert "Post by email" not in client.get(community.get_absolute_url()).content.decode()
    client.force_login(UserFactory(username="visitor"))
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    assert "Post by email" not in client.get(community.get_absolute_url()).content.decode()


def test_posting_where_nobody_uses_list_mode_costs_one_query(community, author, django_assert_num_queries):
    post = make_thread(community=community, author=author).posts.select_related("thread").get()
    with django_assert_num_queries(1):
        assert list_mail_plan(post) == 0
