"""Sentences that used to be glued from fragments are whole in the catalogue: refusals per
action, the coordinator panel's tallies, digest and alert counts and expertise reasons read
naturally in French, with plurals that agree with their numbers, and unchanged in English."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import ngettext_lazy

from communities.digests.registry import DigestSection
from communities.permissions import why_not_active
from communities.reminders.registry import Attention
from cop_platform import translation_checks
from cop_platform.admin_sites.services import counted
from discussions.expertise import ACCEPTED_ANSWERS
from members.expertise import Topic
from tests.communities.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_refusals_are_whole_sentences_in_each_language(community, member):
    pending = MembershipFactory(community=community, user=member, state="pending")
    assert why_not_active(None, action="post") == ("Join this community to post.", True)
    assert why_not_active(pending, action="add to its library")[0] == (
        "Your request to join is waiting for a coordinator. You can add to its library once it is approved."
    )
    with translation.override("fr"):
        assert why_not_active(None, action="vote") == ("Rejoignez cette communauté pour voter.", True)
        assert why_not_active(pending, action="post")[0].startswith("Votre demande d'adhésion attend")
    with translation.override("es"):
        assert why_not_active(None, action="something else")[0] == "Únase a esta comunidad para participar."


def test_admin_tallies_agree_with_their_number():
    featured = ngettext_lazy("Featured: %(count)s.", "Featured: %(count)s.", "count")
    assert counted(featured, 1) == "Featured: 1."
    with translation.override("fr"):
        assert counted(featured, 1) == "1 ressource mise en avant."
        assert counted(featured, 3) == "3 ressources mises en avant."
    assert counted("Featured", 2) is None  # a bare label keeps the "Label: count." form


def test_digest_counts_and_alerts_are_plural_aware_and_lazy():
    section = DigestSection(
        "new_threads",
        "New discussions",
        lambda *args: {},
        counted=ngettext_lazy("%(count)s new discussion", "%(count)s new discussions", "count"),
    )
    one, three = section.count_label(1), section.count_label(3)
    assert (str(one), str(three)) == ("1 new discussion", "3 new discussions")
    with translation.override("fr"):  # built once, read in each recipient's language
        assert (str(one), str(three)) == ("1 nouvelle discussion", "3 nouvelles discussions")
    flags = Attention(
        "", 2, counted=ngettext_lazy("%(count)s open flag on a post", "%(count)s open flags on posts", "count")
    )
    assert str(flags.text) == "2 open flags on posts"
    with translation.override("es"):
        assert str(flags.text) == "2 reportes pendientes sobre mensajes"


def test_expertise_reasons_are_whole_phrases():
    topic = Topic("groundwater")
    assert ACCEPTED_ANSWERS.reason(2, topic) == "2 accepted answers on #groundwater"
    with translation.override("fr"):
        assert ACCEPTED_ANSWERS.reason(1, topic) == "1 réponse acceptée sur #groundwater"
        assert ACCEPTED_ANSWERS.reason(2, topic) == "2 réponses acceptées sur #groundwater"


def test_spanish_plurals_are_spanish_for_every_number(tmp_path):
    locale_dir = Path(settings.LOCALE_PATHS[0])
    assert [
        problem
        for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))
        for problem in translation_checks.plural_form_mismatches(po_path)
    ] == []
    with translation.override("es"):
        assert translation.ngettext("%(count)s new discussion", "%(count)s new discussions", 2) == (
            "%(count)s hilos nuevos"
        )
    broken = tmp_path / "django.po"
    broken.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=3; plural=0;\\n"\n\n'
        'msgid "%d reply"\nmsgid_plural "%d replies"\nmsgstr[0] "%d respuesta"\nmsgstr[1] "%d respuestas"\n',
        encoding="utf-8",
    )
    assert translation_checks.plural_form_mismatches(broken) == [
        f"{broken}: '%d reply' has 2 plural forms, the header says 3"
    ]
