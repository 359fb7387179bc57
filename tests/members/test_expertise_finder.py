"""The expertise finder on /members/: filters, "who knows about X" ranking with its reasons,
and the visibility rules that keep private communities' content from boosting anyone."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from discussions.models import Thread
from discussions.services.moderating import thread_hide
from discussions.services.reacting import answer_accept, reaction_toggle
from members import expertise
from members.expertise import Topic
from members.services import profile_update
from resources.models import Resource
from resources.services import resource_set_archived
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_link, make_practice

User = get_user_model()
URL = reverse("members:directory")


def names_listed(client, **params) -> list[str]:
    """The display names of the members on the page, in page order."""
    html = client.get(URL, params).content.decode()
    people = User.objects.exclude(display_name="")
    found = [(html.find(f"<strong>{person.display_name}</strong>"), person.display_name) for person in people]
    return [name for position, name in sorted(found) if position >= 0]


def accepted_answer(*, community, asker, expert, title, tags=("groundwater",)):
    thread = make_thread(community=community, author=asker, title=title, kind="question", tags=tags)
    answer = make_reply(thread=thread, author=expert, body="Check the aquifer first.")
    answer_accept(actor=asker, post=answer)
    return answer


@pytest.fixture
def experts(community, coordinator):
    """ben: 2 accepted answers and 1 reaction on #groundwater (score 11); cy: 2 practices (8);
    ana: declares groundwater (3); dan: active in the community but on another topic."""
    ana, ben, cy, dan = (UserFactory(username=name, display_name=name.title()) for name in ("ana", "ben", "cy", "dan"))
    for person in (ana, ben, cy, dan):
        MembershipFactory(community=community, user=person)
    profile_update(actor=ana, user=ana, expertise=["Groundwater", "GIS"])
    first = accepted_answer(community=community, asker=dan, expert=ben, title="Borehole yield dropping")
    accepted_answer(community=community, asker=dan, expert=ben, title="Which pump for a shallow well?")
    reaction_toggle(actor=dan, post=first, kind="helpful")
    make_practice(community=community, author=cy, title="Recharge ponds", tags=["groundwater"])
    make_practice(community=community, author=cy, title="Groundwater monitoring in dry seasons")
    make_link(community=community, author=dan, title="Solar pumps catalogue", tags=["energy"])
    return ana, ben, cy, dan


# --- Filters ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_directory_filters_by_organisation_language_and_discipline(client, member):
    UserFactory(username="ana", display_name="Ana", organisation="WaterAid Kenya", languages="English, Swahili")
    UserFactory(username="ben", display_name="Ben", organisation="Ministry of Finance", languages="French")
    client.force_login(member)

    assert names_listed(client, organisation="wateraid") == ["Ana"]
    assert names_listed(client, language="Swahili") == ["Ana"]
    assert names_listed(client, language="French") == ["Ben"]
    page = client.get(URL).content.decode()
    assert '<option value="Swahili">Swahili</option>' in page


@pytest.mark.django_db
def test_directory_filters_by_region_and_offers_only_regions_with_members(client, member):
    User.objects.filter(pk=member.pk).update(country="FR")
    UserFactory(username="ana", display_name="Ana", country="KE")
    UserFactory(username="ben", display_name="Ben", country="GH")
    UserFactory(username="cy", display_name="Cy", country="BR")
    client.force_login(member)

    assert names_listed(client, region="eastern-africa") == ["Ana"]
    assert names_listed(client, region="africa") == ["Ana", "Ben"]
    page = client.get(URL).content.decode()
    assert '<option value="south-america">South America</option>' in page
    assert "Oceania" not in page


@pytest.mark.django_db
def test_more_filters_stay_open_when_one_of_them_is_in_use(client, member):
    client.force_login(member)

    assert '<details class="more-filters">' in client.get(URL, {"topic": "gis"}).content.decode()
    assert '<details class="more-filters" open>' in client.get(URL, {"organisation": "x"}).content.decode()


@pytest.mark.django_db
def test_community_filter_lists_active_members_only(client, member, community):
    ana, ben, cy = (UserFactory(username=n, display_name=n.title()) for n in ("ana", "ben", "cy"))
    MembershipFactory(community=community, user=ana)
    MembershipFactory(community=community, user=ben, state="pending")
    MembershipFactory(community=CommunityFactory(), user=cy)
    client.force_login(member)

    assert names_listed(client, community=community.slug) == ["Ana"]


@pytest.mark.django_db
def test_community_filter_never_offers_or_reveals_a_hidden_community_to_outsiders(client, member, other_member):
    hidden = CommunityFactory(name="Secret Circle", slug="secret-circle", visibility="hidden")
    MembershipFactory(community=hidden, user=UserFactory(username="ana", display_name="Ana"))
    UserFactory(username="ben", display_name="Ben")
    MembershipFactory(community=hidden, user=other_member)

    client.force_login(member)
    page = client.get(URL).content.decode()
    assert "Secret Circle" not in page
    refused = client.get(URL, {"community": "secret-circle"}).content.decode()
    assert "Select a valid choice" in refused
    assert "Secret Circle" not in refused

    client.force_login(other_member)
    assert "Secret Circle" in client.get(URL).content.decode()
    assert set(names_listed(client, community="secret-circle")) == {"Ana", other_member.display_name}


# --- Who knows about X -----------------------------------------------------------------------


@pytest.mark.django_db
def test_who_knows_about_ranks_by_evidence_and_shows_the_reasons(client, member, experts):
    client.force_login(member)

    assert names_listed(client, topic="groundwater") == ["Ben", "Cy", "Ana"]
    page = client.get(URL, {"topic": "groundwater"}).content.decode()
    assert "2 accepted answers on #groundwater" in page
    assert "1 reaction received on #groundwater" in page
    assert "2 practices on #groundwater" in page
    assert "declares #groundwater" in page
    assert "3 members who know about #groundwater, best first" in page


@pytest.mark.django_db
def test_ranked_results_paginate_in_rank_order(client, member, experts, settings):
    settings.PAGE_SIZE = 2
    client.force_login(member)

    first = client.get(URL, {"topic": "groundwater"}).content.decode()

    assert names_listed(client, topic="groundwater") == ["Ben", "Cy"]
    assert names_listed(client, topic="groundwater", page=2) == ["Ana"]
    assert "topic=groundwater&amp;page=2" in first


@pytest.mark.django_db
def test_a_page_past_the_end_shows_the_last_page_and_a_bad_number_the_first(client, member, experts, settings):
    settings.PAGE_SIZE = 2
    client.force_login(member)

    assert names_listed(client, topic="groundwater", page=99) == ["Ana"]
    assert names_listed(client, topic="groundwater", page="two") == ["Ben", "Cy"]


@pytest.mark.django_db
def test_a_broad_topic_counts_up_to_the_limit_after_the_filters(client, member, experts, monkeypatch):
    """The best are found among the members the filters keep: a deactivated top expert takes
    no place, and past the limit the page says "more than"."""
    ana, ben, cy, dan = experts
    monkeypatch.setattr(expertise, "COUNT_LIMIT", 1)
    client.force_login(member)

    capped = client.get(URL, {"topic": "groundwater"}).content.decode()
    assert "More than 1 members know about #groundwater, best first" in capped
    assert names_listed(client, topic="groundwater") == ["Ben", "Cy"]  # the limit and one more
    User.objects.filter(pk=ben.pk).update(is_active=False)
    assert names_listed(client, topic="groundwater") == ["Cy", "Ana"]

    monkeypatch.setattr(expertise, "COUNT_LIMIT", 2)
    exact = client.get(URL, {"topic": "groundwater"}).content.decode()
    assert "2 members who know about #groundwater, best first" in exact


@pytest.mark.django_db
def test_declaring_several_of_the_topics_tags_counts_once(client, member, community, experts):
    ana, ben, cy, dan = experts
    eve = UserFactory(username="eve", display_name="Eve")
    profile_update(actor=eve, user=eve, expertise=["solar", "pumps", "solar pumps"])
    make_link(community=community, author=dan, title="Solar pumps for smallholders")  # dan: 2 resources, 4
    client.force_login(member)

    assert names_listed(client, topic="solar pumps") == ["Dan", "Eve"]  # eve declares: 3, once


@pytest.mark.django_db
def test_who_knows_about_matches_words_in_titles_and_combines_with_filters(client, member, experts):
    ana, ben, cy, dan = experts
    User.objects.filter(pk__in=[ana.pk, ben.pk, dan.pk]).update(country="KE")
    User.objects.filter(pk=cy.pk).update(country="GH")
    client.force_login(member)

    assert names_listed(client, topic="solar pumps") == ["Dan"]
    assert "1 resource on “solar pumps”" in client.get(URL, {"topic": "solar pumps"}).content.decode()
    assert names_listed(client, topic="groundwater", country="GH") == ["Cy"]


def test_topic_labels_read_as_a_tag_or_as_quoted_words():
    assert Topic("Groundwater").label == "#groundwater"
    assert Topic("solar pumps").label == "“solar pumps”"
    assert Topic("!!").label == "“!!”"
    assert Topic("an ox in the field").words == ["the", "field"]


@pytest.mark.django_db
def test_who_knows_about_nothing_says_so(client, member, experts):
    client.force_login(member)

    page = client.get(URL, {"topic": "volcanology"}).content.decode()

    assert "Nobody you can see has declared or shared anything on #volcanology yet." in page


@pytest.mark.django_db
def test_visitors_rank_only_public_profiles(client, experts):
    ana, ben, cy, dan = experts
    User.objects.filter(pk__in=[ana.pk, cy.pk]).update(profile_visibility="public")

    assert names_listed(client, topic="groundwater") == ["Cy", "Ana"]


@pytest.mark.django_db
def test_private_community_answers_never_boost_anyone_for_outsiders(client, member, other_member):
    private = CommunityFactory(name="Inner Circle", visibility="private")
    asker = UserFactory(username="asker", display_name="Asker")
    quiet = UserFactory(username="quiet", display_name="Quiet Expert")
    for person in (asker, quiet, other_member):
        MembershipFactory(community=private, user=person)
    accepted_answer(community=private, asker=asker, expert=quiet, title="Aquifer storage and recovery")

    client.force_login(member)  # not in the private community
    outsider_page = client.get(URL, {"topic": "groundwater"}).content.decode()
    assert "Quiet Expert" not in outsider_page
    assert "accepted answer on" not in outsider_page

    client.force_login(other_member)  # a member of it
    assert "1 accepted answer on #groundwater" in client.get(URL, {"topic": "groundwater"}).content.decode()


@pytest.mark.django_db
def test_hidden_threads_and_archived_practices_no_longer_count(client, member, community, coordinator, experts):
    for thread in Thread.objects.filter(accepted_post__author__username="ben"):
        thread_hide(actor=coordinator, thread=thread, reason="Off topic")
    for practice in Resource.objects.filter(author__username="cy"):
        resource_set_archived(actor=coordinator, resource=practice, archived=True)
    client.force_login(member)

    assert names_listed(client, topic="groundwater") == ["Ana"]


def seed_experts(community, start, stop):
    """Members who each declare groundwater, answer one question and write one practice on it."""
    asker = UserFactory(username=f"asker{start}")
    MembershipFactory(community=community, user=asker)
    for number in range(start, stop):
        person = UserFactory(username=f"expert{number}", display_name=f"Expert {number}", country="KE")
        MembershipFactory(community=community, user=person)
        if number < start + 3:
            profile_update(actor=person, user=person, expertise=["groundwater"])
            accepted_answer(community=community, asker=asker, expert=person, title=f"Question {number}")
            make_practice(community=community, author=person, title=f"Practice {number}", tags=["groundwater"])


@pytest.mark.django_db
def test_finder_query_count_does_not_grow_with_members_or_evidence(client, member, community):
    client.force_login(member)
    params = {"topic": "groundwater", "country": "KE"}

    seed_experts(community, 0, 5)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL, params).status_code == 200
    seed_experts(community, 5, 60)
    User.objects.bulk_create(User(username=f"bulk{number}", country="KE") for number in range(300))
    with CaptureQueriesContext(connection) as large:
        assert client.get(URL, params).status_code == 200

    assert "Expert 0" in client.get(URL, params).content.decode()
    assert len(small) == len(large) <= 16


# --- Ask a member ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_profile_offers_to_ask_only_in_shared_communities(client, member, community, active_membership):
    other = CommunityFactory(name="Urban Drainage")
    not_joined = CommunityFactory(name="Not Joined By Mira")
    ana = UserFactory(username="ana", display_name="Ana")
    MembershipFactory(community=community, user=ana)
    MembershipFactory(community=not_joined, user=ana)
    MembershipFactory(community=other, user=member)
    client.force_login(member)

    page = client.get(ana.get_absolute_url()).content.decode()

    assert "Ask Ana a question" in page
    assert "/c/water-security/discussions/new/?kind=question&amp;ask=ana" in page
    assert "In Not Joined By Mira" not in page
    assert "In Urban Drainage" not in page


@pytest.mark.django_db
def test_asking_opens_a_question_form_mentioning_the_member(client, member, community, active_membership):
    ana = UserFactory(username="ana", display_name="Ana")
    MembershipFactory(community=community, user=ana)
    client.force_login(member)

    page = client.get(reverse("discussions:new", args=[community.slug]), {"kind": "question", "ask": "ana"})

    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="id_body">\n@ana </textarea>' in html
    assert 'value="question" required id="id_kind_1" checked>' in html


@pytest.mark.django_db
def test_asking_someone_outside_the_community_prefills_no_mention(client, member, community, active_membership):
    UserFactory(username="ana", display_name="Ana")
    client.force_login(member)

    html = client.get(reverse("discussions:new", args=[community.slug]), {"ask": "ana"}).content.decode()

    assert "@ana" not in html


@pytest.mark.django_db
def test_profile_says_when_you_share_no_community(client, member):
    ana = UserFactory(username="ana", display_name="Ana")
    client.force_login(member)

    page = client.get(ana.get_absolute_url()).content.decode()

    assert "You share no community with Ana" in page


@pytest.mark.django_db
def test_no_ask_section_for_visitors_or_on_your_own_profile(client, member):
    ana = UserFactory(username="ana", display_name="Ana", profile_visibility="public")

    assert "a question" not in client.get(ana.get_absolute_url()).content.decode()
    client.force_login(ana)
    assert "a question" not in client.get(ana.get_absolute_url()).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "boosted"),
    [
        ("anonymous", False),
        ("non_member", False),
        ("pending", False),
        ("banned", False),
        ("member_elsewhere", False),
        ("member", True),
        ("coordinator", True),
        ("staff", True),
    ],
)
def test_private_answers_count_only_for_those_who_may_read_them(client, role, boosted):
    private = CommunityFactory(name="Inner Circle", visibility="private")
    asker = UserFactory(username="asker")
    expert = UserFactory(username="quiet", display_name="Quiet Expert", profile_visibility="public")
    for person in (asker, expert):
        MembershipFactory(community=private, user=person)
    accepted_answer(community=private, asker=asker, expert=expert, title="Aquifer storage and recovery")
    if role != "anonymous":
        viewer = UserFactory(username="viewer", is_staff=role == "staff")
        if role in ("pending", "banned", "member"):
            MembershipFactory(community=private, user=viewer, state="active" if role == "member" else role)
        elif role == "coordinator":
            MembershipFactory(community=private, user=viewer, role="coordinator")
        elif role == "member_elsewhere":
            MembershipFactory(community=CommunityFactory(), user=viewer)
        client.force_login(viewer)

    page = client.get(URL, {"topic": "groundwater"}).content.decode()

    assert ("1 accepted answer on #groundwater" in page) is boosted
    assert ("Quiet Expert" in page) is boosted


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["pending", "invited", "banned"])
def test_no_asking_where_you_are_not_an_active_member(client, member, community, state):
    ana = UserFactory(username="ana", display_name="Ana")
    MembershipFactory(community=community, user=ana)
    MembershipFactory(community=community, user=member, state=state)
    client.force_login(member)

    page = client.get(ana.get_absolute_url()).content.decode()

    assert "ask=ana" not in page
    assert "You share no community with Ana" in page
