"""Unsubscribe links and the headers every member email carries: one-click (RFC 8058) works
without signing in or a CSRF token, opening the link changes nothing, a forged link does
nothing, and each scope turns off exactly what it names."""

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from communities.models import Membership
from members.mailing import (
    preferences_for,
    read_unsubscribe_token,
    send_member_email,
    unsubscribe_token,
    unsubscribe_url,
)
from members.models import EmailPreferences

pytestmark = pytest.mark.django_db

TEMPLATE = "members/email/notifications"


def _send(user, scope="notifications"):
    context = {"notifications": [], "count": 0}
    return send_member_email(user=user, template=TEMPLATE, context=context, scope=scope)


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def _path(user, scope):
    return reverse("members:unsubscribe", args=[unsubscribe_token(user, scope)])


def test_every_member_email_has_both_parts_and_the_unsubscribe_headers(member, settings):
    settings.SITE_URL = "https://cop.example.org"
    assert _send(member, "digest") == 1
    [message] = mail.outbox
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://cop.example.org/email/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    preferences = "https://cop.example.org" + reverse("members:settings_notifications")
    for body in (message.body, html):
        assert preferences in body and url in body and "your digest" in body
    # And the headers reach the wire.
    raw = message.message().as_string()
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw


def test_inactive_members_and_members_without_an_address_get_nothing(member, other_member):
    member.is_active = False
    member.save()
    other_member.email = ""
    other_member.save()
    assert _send(member) == 0 and _send(other_member) == 0
    assert mail.outbox == []


def test_opening_the_link_only_asks(csrf_client, member):
    response = csrf_client.get(_path(member, "digest"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Stop sending <strong>your digest</strong>" in page
    assert preferences_for(member).digest_frequency == "weekly"
    assert not EmailPreferences.objects.exists()


def test_the_button_unsubscribes_without_signing_in_and_offers_undo(csrf_client, member):
    path = _path(member, "digest")
    response = csrf_client.post(path, {"action": "unsubscribe"})
    assert response.status_code == 200
    assert "You're unsubscribed" in response.content.decode()
    assert reverse("members:settings_notifications") in response.content.decode()
    assert preferences_for(member).digest_frequency == "off"

    response = csrf_client.post(path, {"action": "resubscribe"})
    assert "Subscribed again" in response.content.decode()
    assert preferences_for(member).digest_frequency == "weekly"


def test_one_click_post_from_a_mail_client_works_without_csrf_token(csrf_client, member):
    _send(member, "notifications")
    path = urlsplit(mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")).path
    response = csrf_client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    prefs = preferences_for(member)
    assert (prefs.replies, prefs.mentions) == ("off", "off")
    assert prefs.digest_frequency == "weekly"  # only what the email was about


def test_a_tampered_token_changes_nothing_and_says_so(csrf_client, member, other_member):
    token = unsubscribe_token(member, "digest")
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for path in (reverse("members:unsubscribe", args=[forged]), reverse("members:unsubscribe", args=["nonsense"])):
        for response in (csrf_client.get(path), csrf_client.post(path)):
            assert response.status_code == 400
            assert "This unsubscribe link doesn't work" in response.content.decode()
    assert read_unsubscribe_token(forged) is None
    assert not EmailPreferences.objects.exists()


def test_a_token_cannot_be_turned_into_another_members(member, other_member):
    found_user, scope = read_unsubscribe_token(unsubscribe_token(member, "all"))
    assert found_user == member and scope == "all"
    with pytest.raises(ValueError):
        unsubscribe_token(member, "everything")


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (
            "all",
            {
                "replies": "off",
                "mentions": "off",
                "digest_frequency": "off",
                "reminders": False,
                "coordinator_alerts": False,
            },
        ),
        ("digest", {"replies": "immediate", "digest_frequency": "off", "reminders": True}),
        ("replies", {"replies": "off", "mentions": "immediate"}),
        ("mentions", {"replies": "immediate", "mentions": "off"}),
        ("reminders", {"reminders": False, "coordinator_alerts": True, "digest_frequency": "weekly"}),
        ("coordinator_alerts", {"reminders": True, "coordinator_alerts": False}),
    ],
)
def test_each_scope_turns_off_what_it_names(csrf_client, member, scope, expected):
    csrf_client.post(_path(member, scope))
    prefs = preferences_for(member)
    assert {name: getattr(prefs, name) for name in expected} == expected


def test_a_community_link_mutes_only_that_community(csrf_client, member, community, active_membership):
    scope = f"community:{community.pk}"
    page = csrf_client.get(_path(member, scope)).content.decode()
    assert "all email about Water Security" in page
    csrf_client.post(_path(member, scope))
    assert Membership.objects.get(pk=active_membership.pk).email_muted
    assert preferences_for(member).digest_frequency == "weekly"


def test_a_community_link_after_leaving_says_there_is_nothing_to_stop(csrf_client, member, community):
    response = csrf_client.post(_path(member, f"community:{community.pk}"))
    assert response.status_code == 200
    assert "Nothing to unsubscribe" in response.content.decode()


def test_unsubscribe_url_is_absolute(member, settings):
    settings.SITE_URL = "https://cop.example.org"
    assert unsubscribe_url(member, "digest").startswith("https://cop.example.org/email/unsubscribe/")


def test_the_page_never_shows_the_whole_address_to_whoever_holds_the_link(client, member):
    page = client.get(unsubscribe_url(member, "digest")).content.decode()
    assert member.email not in page
    assert f"m***@{member.email.split('@')[1]}" in page
