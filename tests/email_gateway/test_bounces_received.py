"""End to end: a bounce of our mail arrives as raw bytes through mail-in's receive() (the path
of the MTA pipe, IMAP polling and webhooks) at bounces+<token>@, marks its member, and is never
answered; an auto-reply to that address and a bounce to a forged token change nothing."""

import pytest
from django.urls import reverse

from email_gateway.addresses import bounce_address
from email_gateway.models import InboundMessage
from members.bouncing import is_bouncing
from tests.email_gateway import mail
from tests.email_gateway.test_bounces import SAMPLES
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


# `deliver` (receive() with email-in on mail.example.org) comes from mail-in's conftest.py.


def raw_sample(name, user, to=None) -> bytes:
    text = (SAMPLES / name).read_text()
    text = text.replace("BOUNCE_ADDRESS", to or bounce_address(user)).replace("MEMBER_ADDRESS", user.email)
    return text.replace("BOUNCE_MESSAGE_ID", "b1").replace("ORIGINAL_MESSAGE_ID", "o1").encode()


def test_a_postfix_bounce_received_at_the_bounce_address_marks_the_member_and_gets_no_answer(
    deliver, client, member, other_member, mailoutbox
):
    outcome = deliver(raw_sample("postfix_dsn_user_unknown.eml", member), envelope_sender="", transport="pipe")

    assert outcome.status == "bounce_handled" and outcome.exit_code == 0
    assert InboundMessage.objects.get().detail == "marked"
    member.refresh_from_db()
    assert is_bouncing(member)
    assert mail.answers(mailoutbox) == [] and mailoutbox == []
    client.force_login(member)
    assert "Our emails to m…@example.org bounced on" in client.get(reverse("home")).content.decode()
    client.force_login(other_member)
    assert "bounced on" not in client.get(reverse("home")).content.decode()


def test_the_same_bounce_received_twice_is_handled_once(deliver, member):
    data = raw_sample("mailbox_full.eml", member)
    assert deliver(data, envelope_sender="").status == "bounce_handled"
    assert deliver(data, envelope_sender="").status == "duplicate"
    assert member.email_bounces.count() == 1


def test_an_out_of_office_reply_to_the_bounce_address_changes_nothing(deliver, member, mailoutbox):
    outcome = deliver(raw_sample("out_of_office.eml", member), envelope_sender="")

    assert outcome.status == "bounce_handled"
    assert InboundMessage.objects.get().detail.startswith("ignored")
    member.refresh_from_db()
    assert not is_bouncing(member)
    assert mailoutbox == []


def test_a_bounce_to_a_forged_bounce_address_marks_nobody(deliver, member, mailoutbox):
    local, domain = bounce_address(member).split("@")
    forged = f"{local[:-1]}{'a' if local[-1] != 'a' else 'b'}@{domain}"  # a MAC one letter off
    deliver(raw_sample("postfix_dsn_user_unknown.eml", member, to=forged), envelope_sender="")

    member.refresh_from_db()
    assert not is_bouncing(member)
    assert not UserFactory._meta.model.objects.exclude(bouncing_email="").exists()
    assert mailoutbox == []
