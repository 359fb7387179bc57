"""Every refusal: nothing is posted, and the sender gets one polite email that says why in plain
words and what to do, with a link."""

import pytest
from django.core.cache import cache

from communities.models import Membership, MembershipState
from communities.services import membership_leave
from discussions.models import Post, Thread
from email_gateway.addresses import community_address, reply_address, revoke_reply_addresses
from email_gateway.models import InboundMessage
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.email_gateway import mail
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]


def refused_with(outcome, mailoutbox, *, to, says):
    """Nothing posted; exactly one answer, to `to`, that contains each of `says`."""
    assert outcome.status == "refused", outcome
    assert outcome.exit_code == 0  # we answered ourselves: the MTA must not bounce it again
    assert outcome.post_id is None and outcome.thread_id is None
    [answer] = mail.answers(mailoutbox)
    assert answer.to == [to]
    assert answer.subject.startswith("[CoP Platform] Not posted:")
    for words in says:
        assert words in answer.body, answer.body
    html = answer.alternatives[0][0]
    assert "http" in html and "<a href=" in html
    assert InboundMessage.objects.get(pk=outcome.inbound_id).answered
    return answer


def test_a_member_who_left_is_told_they_are_no_longer_a_member(deliver, thread, member, community, mailoutbox):
    data = mail.raw(to=reply_address(member, thread.pk), sender=member.email)
    membership_leave(actor=member, community=community)
    outcome = deliver(data)
    refused_with(outcome, mailoutbox, to=member.email, says=["not a member of Water Security", "Join Water Security"])
    assert not Post.objects.filter(author=member).exists()


def test_a_banned_member_is_told_a_coordinator_removed_them(deliver, thread, member, community, mailoutbox):
    Membership.objects.filter(user=member, community=community).update(state=MembershipState.BANNED)
    outcome = deliver(mail.raw(to=reply_address(member, thread.pk), sender=member.email))
    refused_with(outcome, mailoutbox, to=member.email, says=["removed you from the community"])


@pytest.mark.parametrize(("field", "words"), [("is_locked", "was locked by a coordinator"), ("is_closed", "is closed")])
def test_a_reply_to_a_locked_or_closed_thread_is_refused_with_the_reason(
    deliver, thread, member, mailoutbox, field, words
):
    Thread.objects.filter(pk=thread.pk).update(**{field: True})
    outcome = deliver(mail.raw(to=reply_address(member, thread.pk), sender=member.email))
    answer = refused_with(outcome, mailoutbox, to=member.email, says=[words, "Field water testing"])
    assert thread.get_absolute_url() in answer.body
    assert Post.objects.filter(thread=thread).count() == 1


def test_a_revoked_reply_address_is_refused_and_the_sender_told(deliver, thread, member, mailoutbox):
    address = reply_address(member, thread.pk)
    revoke_reply_addresses(actor=member, user=member)
    outcome = deliver(mail.raw(to=address, sender=member.email))
    refused_with(outcome, mailoutbox, to=member.email, says=["no longer works"])


def test_a_thread_the_member_can_no_longer_see_is_refused_without_revealing_it(deliver, member, mailoutbox):
    private = CommunityFactory(name="Secret Ops", slug="secret-ops", visibility="hidden")
    coordinator = MembershipFactory(community=private, role="coordinator").user
    hidden_thread = make_thread(community=private, author=coordinator, title="Budget leak")
    outcome = deliver(mail.raw(to=reply_address(member, hidden_thread.pk), sender=member.email))
    answer = refused_with(outcome, mailoutbox, to=member.email, says=["no longer there"])
    assert "Budget leak" not in answer.body and "Secret Ops" not in answer.body


def test_a_non_member_writing_to_a_community_is_told_how_to_join(deliver, community, coordinator, mailoutbox):
    outsider = UserFactory(username="olga")
    outcome = deliver(mail.raw(to=community_address(community), sender=outsider.email, headers=mail.dmarc_pass()))
    refused_with(outcome, mailoutbox, to=outsider.email, says=["not a member of Water Security", "/c/water-security/"])
    assert Thread.objects.count() == 0


def test_an_unknown_sender_is_told_how_to_join(deliver, community, coordinator, mailoutbox):
    outcome = deliver(mail.raw(to=community_address(community), sender="stranger@elsewhere.org"))
    refused_with(outcome, mailoutbox, to="stranger@elsewhere.org", says=["Only members of Water Security", "Join"])
    assert Thread.objects.count() == 0


def test_an_unverified_address_does_not_count_as_the_member(deliver, community, mailoutbox):
    unverified = UserFactory(username="uma", verified=False)
    MembershipFactory(community=community, user=unverified)
    outcome = deliver(mail.raw(to=community_address(community), sender=unverified.email, headers=mail.dmarc_pass()))
    refused_with(outcome, mailoutbox, to=unverified.email, says=["not the verified address of a member"])


def test_a_hidden_community_address_answers_as_if_it_did_not_exist(deliver, mailoutbox):
    CommunityFactory(name="Secret Ops", slug="secret-ops", visibility="hidden")
    outcome = deliver(mail.raw(to="secret-ops@mail.example.org", sender="stranger@elsewhere.org"))
    answer = refused_with(outcome, mailoutbox, to="stranger@elsewhere.org", says=["There is no community at"])
    assert "Secret Ops" not in answer.body


def test_an_empty_subject_is_refused_because_it_would_be_the_title(
    deliver, community, active_membership, member, mailoutbox
):
    outcome = deliver(
        mail.raw(to=community_address(community), sender=member.email, subject="Re: ", headers=mail.dmarc_pass())
    )
    refused_with(outcome, mailoutbox, to=member.email, says=["no subject"])


def test_a_message_that_only_quotes_is_refused(deliver, thread, member, mailoutbox):
    text = "On Mon, Dec 1, 2026 at 10:00 AM Cora <c@example.org> wrote:\n> the old message\n"
    outcome = deliver(mail.raw(to=reply_address(member, thread.pk), sender=member.email, text=text))
    refused_with(outcome, mailoutbox, to=member.email, says=["no text of its own"])


def test_posting_too_fast_is_refused_with_a_plain_explanation(deliver, settings, thread, member, mailoutbox):
    settings.DISCUSSION_RATE_LIMITS = {"posts_per_minute": 1, "new_member_threads_per_hour": 1}
    cache.clear()
    assert deliver(mail.raw(to=reply_address(member, thread.pk), sender=member.email)).status == "posted"
    outcome = deliver(mail.raw(to=reply_address(member, thread.pk), sender=member.email, text="Again"))
    answer = refused_with(outcome, mailoutbox, to=member.email, says=["several messages in a short time"])
    assert "kept below" not in answer.body


def test_an_unknown_address_on_our_domain_is_refused(deliver, mailoutbox):
    outcome = deliver(mail.raw(to="no-such-group@mail.example.org", sender="someone@elsewhere.org"))
    refused_with(outcome, mailoutbox, to="someone@elsewhere.org", says=["There is no community at no-such-group@"])


def test_a_message_of_quoted_lines_only_is_refused(deliver, thread, member, mailoutbox):
    outcome = deliver(mail.raw(to=reply_address(member, thread.pk), sender=member.email, text="> old\n> older\n"))
    refused_with(outcome, mailoutbox, to=member.email, says=["no text of its own"])


def test_a_french_member_is_refused_in_french(deliver, member, mailoutbox):
    member.language = "fr"
    member.save(update_fields=["language"])
    private = CommunityFactory(name="Secret Ops", slug="secret-ops", visibility="hidden")
    coordinator = MembershipFactory(community=private, role="coordinator").user
    hidden_thread = make_thread(community=private, author=coordinator, title="Budget leak")
    outcome = deliver(mail.raw(to=reply_address(member, hidden_thread.pk), sender=member.email))
    assert outcome.status == "refused"
    [answer] = mail.answers(mailoutbox)
    assert answer.subject.startswith("[CoP Platform] Non publié :")
    body = " ".join(answer.body.split())
    assert "La discussion à laquelle vous avez répondu n'existe plus" in body, body
    assert "no longer there" not in body
