"""Email in each recipient's own language: one task run writes to a French and an English
member, each in theirs, and leaves the worker's language as it found it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from communities.digests.build import build_digests
from communities.tasks import member_reminders_schedule, send_digest_batch, send_join_request_to_coordinators
from members.mailing import render_member_email
from members.models import EmailDelivery
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory

from .catalogue import english_left, translations_from

pytestmark = pytest.mark.django_db

EMAIL_TEMPLATES = ("templates/email/", "templates/communities/email/", "templates/members/email/")


def sent_to(user):
    return [message for message in mail.outbox if user.email in message.to]


def whole(message) -> str:
    html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
    return f"{message.subject}\n{message.body}\n{html}"


@pytest.fixture
def community():
    community = CommunityFactory(name="Sanitation", slug="sanitation", norms="Be kind. Cite sources.")
    author = UserFactory()
    MembershipFactory(community=community, user=author, role="coordinator")
    make_thread(community=community, author=author, title="Borehole siting in basalt")
    return community


def digest_run(*members):
    """One digest batch (one task run) for all of `members`."""
    planned = timezone.now() + timedelta(minutes=1)
    deliveries = [
        EmailDelivery.objects.create(recipient=m, kind="digest", key="digest:weekly:2026-W48", created_at=planned)
        for m in members
    ]
    send_digest_batch.delay(delivery_ids=[d.pk for d in deliveries])


def test_one_digest_run_writes_to_each_member_in_their_own_language(community):
    french = UserFactory(language="fr")
    english = UserFactory(language="")
    spanish = UserFactory(language="es")
    for member in (french, english, spanish):
        MembershipFactory(community=community, user=member, joined_at=timezone.now() - timedelta(days=30))
    before = translation.get_language()

    digest_run(french, english, spanish)

    (to_french,) = sent_to(french)
    (to_english,) = sent_to(english)
    (to_spanish,) = sent_to(spanish)
    assert to_french.extra_headers["Content-Language"] == "fr"
    assert to_english.extra_headers["Content-Language"] == "en"
    assert to_spanish.extra_headers["Content-Language"] == "es"
    assert "Borehole siting in basalt" in to_french.body and "Borehole siting in basalt" in to_english.body
    # The English member's email has no French in it, and the worker's language is unchanged.
    assert "Your weekly digest" in to_english.subject
    assert translation.get_language() == before


def test_coordinators_are_each_asked_in_their_own_language(community):
    other = UserFactory(language="es")
    MembershipFactory(community=community, user=other, role="coordinator")
    request = MembershipFactory(community=community, user=UserFactory(), state="pending", role="member")

    send_join_request_to_coordinators.delay(membership_id=request.pk)

    assert sent_to(other)[0].extra_headers["Content-Language"] == "es"
    assert sent_to(other)[0].to == [other.email]  # one email each: no coordinator sees another's address


def test_french_members_digest_is_in_french(community):
    french = UserFactory(language="fr")
    MembershipFactory(community=community, user=french, joined_at=timezone.now() - timedelta(days=30))

    digest_run(french)

    text = whole(sent_to(french)[0])
    assert english_left(text) == []
    assert any(phrase in text for phrase in translations_from(EMAIL_TEMPLATES)), "no French text in the digest"


def test_french_members_welcome_is_in_french(settings):
    settings.WELCOME_DELAY_DAYS = 3
    community = CommunityFactory(name="Assainissement", slug="assainissement", norms="Soyez aimables.")
    french = UserFactory(language="fr")
    MembershipFactory(community=community, user=french, joined_at=timezone.now() - timedelta(days=3, hours=2))

    member_reminders_schedule.delay()

    (welcome,) = sent_to(french)
    assert welcome.extra_headers["Content-Language"] == "fr"
    text = whole(welcome)
    assert english_left(text) == []
    assert any(phrase in text for phrase in translations_from(EMAIL_TEMPLATES)), "no French text in the welcome"


def test_an_item_in_many_digests_of_one_run_reads_in_each_members_language(community):
    # The item's lines are rendered once per language for the whole batch (digest_item.html):
    # each member still reads "in Sanitation" in their own language.
    french, english = UserFactory(language="fr"), UserFactory(language="")
    for member in (french, english):
        MembershipFactory(community=community, user=member, joined_at=timezone.now() - timedelta(days=30))

    digest_run(french, english)

    (to_french,) = sent_to(french)
    (to_english,) = sent_to(english)
    assert "dans Sanitation" in to_french.body and "dans Sanitation" in to_french.alternatives[0][0]
    assert "(in Sanitation)" in to_english.body and "<small>in Sanitation</small>" in to_english.alternatives[0][0]
    assert "dans" not in whole(to_english)


def test_a_digest_built_once_is_rendered_in_each_recipients_language(community):
    # A batch built outside any member's language (as a caller may) still renders each item
    # in the language of the member it is rendered for.
    french, english = UserFactory(language="fr"), UserFactory(language="")
    planned = timezone.now() + timedelta(minutes=1)
    deliveries = []
    for member in (french, english):
        MembershipFactory(community=community, user=member, joined_at=timezone.now() - timedelta(days=30))
        deliveries.append(
            EmailDelivery.objects.create(
                recipient=member, kind="digest", key="digest:weekly:2026-W48", created_at=planned
            )
        )
    prepared = build_digests(deliveries)

    def render(delivery):
        email = prepared[delivery.pk]
        return render_member_email(
            user=delivery.recipient, template=email.template, context=email.context, scope=email.scope
        )

    to_english, to_french = render(deliveries[1]), render(deliveries[0])

    assert "dans Sanitation" in to_french.body and "Borehole siting in basalt" in to_french.body
    assert "(in Sanitation)" in to_english.body
