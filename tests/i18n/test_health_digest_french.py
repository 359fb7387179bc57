"""Issue 16: the health panels' explanations and the digest email read in French.

The digest is built for a whole batch at once (in whatever language is active then) and
each email is rendered later in its recipient's language: the texts computed while building
(the period, the counts) must still come out in French.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from communities.digests.build import build_digests
from communities.health.snapshots import snapshot_take
from members.mailing import render_member_email
from members.models import EmailDelivery
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_health_page_explains_its_panels_in_french(client, community, coordinator):
    snapshot_take(community=community, day=timezone.now().date())
    client.force_login(coordinator)

    response = client.get(reverse("communities:health", kwargs={"slug": community.slug}), HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Santé de {community.name}" in html
    assert "Réactivité" in html and "Portée au-delà des frontières" in html  # panel headings
    assert "<strong>Ce que cela signifie :</strong> le rythme de la communauté" in html  # explanations
    assert "<strong>Ce que vous pouvez faire :</strong>" in html
    assert "<title>Membres et membres actifs par semaine</title>" in html  # the charts, drawn in Python
    assert "Membres actifs à la fin de la journée." in html  # the glossary, defined at import time
    assert "Domaine rédigé" in html  # the lifecycle checklist
    assert "the rhythm of the community" not in html and "Flow of energy" not in html


def test_a_digest_built_in_english_is_rendered_in_french(member, community, coordinator):
    member.language = "fr"  # each email is written in its recipient's language (members.language)
    member.save(update_fields=["language"])
    MembershipFactory(community=community, user=member)
    make_thread(community=community, author=coordinator, title="Forage en zone de socle")
    MembershipFactory(community=community, user=UserFactory(display_name="Nadia Nouvelle"))  # with the coordinator: 2
    delivery = EmailDelivery.objects.create(
        recipient=member,
        kind="digest",
        key="digest:weekly:2026-W48",
        created_at=timezone.now() + timedelta(minutes=1),
    )
    with translation.override("en"):
        prepared = build_digests([delivery])[delivery.pk]
    assert prepared is not None
    mail.outbox.clear()

    with translation.override("fr"):
        render_member_email(
            user=member, template=prepared.template, context=prepared.context, scope=prepared.scope
        ).send()

    (message,) = mail.outbox
    assert "Votre résumé hebdomadaire : " in message.subject
    assert "2 nouveaux membres" in message.subject  # counted with the batch, read in French
    assert "NOUVEAUX MEMBRES" in message.body and "Nadia Nouvelle" in message.body
    assert "Voici ce qui s'est passé dans vos communautés cette semaine." in message.body
    assert "Forage en zone de socle" in message.body
    assert "Vous recevez ce résumé chaque semaine parce que vous êtes membre de ces communautés." in message.body
    assert "Here is what happened" not in message.body and "Your weekly digest" not in message.subject
