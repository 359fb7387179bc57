"""What members and visitors see on the community pages, and what each button does.

Each behaviour sits beside its outsider case: what a member may see or do, and what a visitor,
an outsider or a plain member gets instead (404 for what they may not see, 403 for a
forbidden action on something they can see).
"""

import pytest
from django.core import mail
from django.urls import reverse

from communities.models import Community, Membership
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


def url(name, **kwargs):
    return reverse(f"communities:{name}", kwargs=kwargs)


def action_url(community, membership, action):
    return url("member_action", slug=community.slug, membership_id=membership.pk, action=action)


@pytest.fixture
def signed_in(client):
    """Sign a user in on the test client: `signed_in(user)` returns the client."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def by_visibility(db):
    return {
        kind: CommunityFactory(name=f"{kind.title()} Circle", slug=kind, visibility=kind)
        for kind in ("public", "private", "hidden")
    }


def names_listed(response):
    return {community.name for community in response.context["communities"]}


# --- Directory ------------------------------------------------------------------------------


def test_directory_lists_public_and_private_but_not_hidden_to_visitors(client, by_visibility):
    response = client.get(url("directory"))

    assert response.status_code == 200
    assert names_listed(response) == {"Public Circle", "Private Circle"}
    assert "Hidden Circle" not in response.content.decode()


def test_directory_does_not_list_hidden_communities_to_signed_in_outsiders(signed_in, member, by_visibility):
    response = signed_in(member).get(url("directory"))

    assert names_listed(response) == {"Public Circle", "Private Circle"}


def test_directory_lists_a_hidden_community_to_its_members(signed_in, member, by_visibility):
    MembershipFactory(community=by_visibility["hidden"], user=member)

    response = signed_in(member).get(url("directory"))

    assert names_listed(response) == {"Public Circle", "Private Circle", "Hidden Circle"}
    assert "You're a member" in response.content.decode()


def test_directory_lists_hidden_communities_to_staff(signed_in, staff, by_visibility):
    response = signed_in(staff).get(url("directory"))

    assert "Hidden Circle" in names_listed(response)


def test_directory_shows_tagline_tags_stage_visibility_and_member_count(client):
    community = CommunityFactory(
        name="Flood Risk", tagline="Rivers, rain and resilience", stage="design", visibility="private", tags=["floods"]
    )
    MembershipFactory.create_batch(3, community=community)

    page = client.get(url("directory")).content.decode()

    assert "Rivers, rain and resilience" in page
    assert "?tag=floods" in page
    assert "Stage: Design" in page
    assert "Private</span>" in page
    assert "3 members" in page


def test_directory_search_matches_name_tagline_and_domain(client):
    CommunityFactory(name="Water Security")
    CommunityFactory(name="Soil Health", tagline="Healthy water retention in soils")
    CommunityFactory(name="Urban Heat", domain="Cooling cities; drinking water in heatwaves")
    CommunityFactory(name="Public Finance", tagline="Budgets", domain="Tax policy")

    response = client.get(url("directory"), {"q": "water"})

    assert names_listed(response) == {"Water Security", "Soil Health", "Urban Heat"}
    assert names_listed(client.get(url("directory"), {"q": "water soils"})) == {"Soil Health"}


def test_directory_search_does_not_reveal_hidden_communities(client):
    CommunityFactory(name="Secret Water Circle", visibility="hidden")

    response = client.get(url("directory"), {"q": "water"})

    assert names_listed(response) == set()
    assert "No community matches" in response.content.decode()


def test_directory_filters_by_tag_slug_or_name(client):
    CommunityFactory(name="Flood Risk", tags=["Climate Adaptation"])
    CommunityFactory(name="Public Finance", tags=["budgets"])

    assert names_listed(client.get(url("directory"), {"tag": "climate-adaptation"})) == {"Flood Risk"}
    assert names_listed(client.get(url("directory"), {"tag": "climate adaptation"})) == {"Flood Risk"}


def test_directory_filters_by_audience_words(client):
    CommunityFactory(name="Flood Risk", audience="Hydrologists and city engineers in East Africa")
    CommunityFactory(name="Public Finance", audience="Budget officers in ministries")

    response = client.get(url("directory"), {"audience": "engineers africa"})

    assert names_listed(response) == {"Flood Risk"}


def test_directory_filters_by_stage(client):
    CommunityFactory(name="Young", stage="discover")
    CommunityFactory(name="Mature", stage="disseminate")

    assert names_listed(client.get(url("directory"), {"stage": "disseminate"})) == {"Mature"}


def test_directory_paginates_and_keeps_the_filters_in_page_links(client, settings):
    settings.PAGE_SIZE = 2
    for number in range(5):
        CommunityFactory(name=f"Water {number}", stage="design")
    CommunityFactory(name="Water elsewhere", stage="discover")

    first = client.get(url("directory"), {"q": "water", "stage": "design"})
    third = client.get(url("directory"), {"q": "water", "stage": "design", "page": 3})

    assert names_listed(first) == {"Water 0", "Water 1"}
    assert 'href="?q=water&amp;stage=design&amp;page=2"' in first.content.decode()
    assert names_listed(third) == {"Water 4"}
    assert "Page 3 of 3" in third.content.decode()


def test_directory_offers_create_button_to_members_when_anyone_may_create(signed_in, member):
    page = signed_in(member).get(url("directory")).content.decode()

    assert "Create a community" in page


def test_directory_hides_create_button_from_visitors_and_members_when_creation_is_staff_only(client, settings, member):
    settings.COMMUNITY_CREATION = "staff"
    assert "Create a community" not in client.get(url("directory")).content.decode()

    client.force_login(member)
    assert "Create a community" not in client.get(url("directory")).content.decode()


def test_directory_escapes_hostile_names_and_taglines(client):
    CommunityFactory(name=f"Evil {HOSTILE}", tagline=HOSTILE)

    page = client.get(url("directory")).content.decode()

    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("count", [10, 60])
def test_directory_query_count_stays_flat_as_communities_grow(signed_in, member, django_assert_max_num_queries, count):
    for number in range(count):
        community = CommunityFactory(
            tags=[f"topic-{number}", "shared"], visibility="private" if number % 2 else "public"
        )
        MembershipFactory(community=community, user=member, state="active" if number % 3 else "pending")
    client = signed_in(member)

    with django_assert_max_num_queries(10):
        response = client.get(url("directory"))

    assert response.status_code == 200
    assert len(response.context["communities"]) == min(count, 20)


# --- Home page ------------------------------------------------------------------------------


def test_home_explains_communities_of_practice_to_visitors_and_invites_them_to_sign_up(client, community):
    page = client.get(reverse("home")).content.decode()

    assert "community of practice is a group of practitioners" in page
    assert reverse("account_signup") in page
    assert "Water Security" in page  # featured


def test_home_does_not_feature_hidden_communities_to_visitors(client):
    CommunityFactory(name="Secret Circle", visibility="hidden")

    assert "Secret Circle" not in client.get(reverse("home")).content.decode()


def test_home_shows_a_members_communities_with_their_state(signed_in, member):
    MembershipFactory(community=CommunityFactory(name="Active One"), user=member)
    MembershipFactory(
        community=CommunityFactory(name="Asked One", join_policy="approval"), user=member, state="pending"
    )
    invited_to = CommunityFactory(name="Invited One", visibility="hidden")
    MembershipFactory(community=invited_to, user=member, state="invited")

    page = signed_in(member).get(reverse("home")).content.decode()

    assert "Active One" in page
    assert "Request pending" in page
    assert "Invited One" in page
    assert "Accept or decline" in page
    assert f'href="{invited_to.get_absolute_url()}"' in page


def test_home_suggests_communities_the_member_has_not_joined(signed_in, member):
    MembershipFactory(community=CommunityFactory(name="Joined Already"), user=member)
    CommunityFactory(name="Worth Joining")

    response = signed_in(member).get(reverse("home"))

    assert [c.name for c in response.context["featured"]] == ["Worth Joining"]


def test_home_escapes_hostile_names_and_taglines(client, signed_in, member):
    hostile = CommunityFactory(name=f"Evil {HOSTILE}", tagline=HOSTILE)

    visitor_page = client.get(reverse("home")).content.decode()
    MembershipFactory(community=hostile, user=member)
    member_page = signed_in(member).get(reverse("home")).content.decode()

    for page in (visitor_page, member_page):
        assert HOSTILE not in page
        assert "&lt;script&gt;" in page


# --- Community home -------------------------------------------------------------------------


def test_hidden_community_home_is_404_for_visitors_and_outsiders(client, member, by_visibility):
    assert client.get(url("detail", slug="hidden")).status_code == 404
    client.force_login(member)
    assert client.get(url("detail", slug="hidden")).status_code == 404


def test_hidden_community_home_is_200_for_its_members(signed_in, member, by_visibility):
    MembershipFactory(community=by_visibility["hidden"], user=member)

    response = signed_in(member).get(url("detail", slug="hidden"))

    assert response.status_code == 200
    assert "Hidden Circle" in response.content.decode()


def test_community_home_shows_the_charter_and_coordinators(client):
    community = CommunityFactory(
        name="Flood Risk",
        tagline="Rivers and rain",
        domain="Managing flood risk",
        audience="Hydrologists",
        mandate_html="<p>Share <strong>good practice</strong></p>",
        norms_html="<p>Be kind</p>",
        tags=["floods"],
    )
    coordinator = coordinator_of(community, user=UserFactory(username="cora", display_name="Cora Coordinator"))

    page = client.get(url("detail", slug=community.slug)).content.decode()

    for text in ("Flood Risk", "Rivers and rain", "Managing flood risk", "Hydrologists", "Be kind", "floods"):
        assert text in page
    assert "<strong>good practice</strong>" in page
    assert f'href="{reverse("members:profile", args=[coordinator.username])}">Cora Coordinator</a>' in page
    assert "Open: anyone can join" in page


def test_private_community_home_shows_charter_but_not_members_to_outsiders(signed_in, member):
    community = CommunityFactory(name="Quiet Circle", visibility="private", mandate_html="<p>Our mandate</p>")
    coordinator_of(community, user=UserFactory(username="cora", display_name="Cora Coordinator"))

    page = signed_in(member).get(url("detail", slug=community.slug)).content.decode()

    assert "Our mandate" in page
    assert "Cora Coordinator" in page
    assert "for its members" in page
    assert url("members", slug=community.slug) not in page


def test_private_community_members_page_is_404_for_outsiders(client, member):
    community = CommunityFactory(visibility="private")
    MembershipFactory(community=community, user=UserFactory(username="insider"))

    assert client.get(url("members", slug=community.slug)).status_code == 404
    client.force_login(member)
    assert client.get(url("members", slug=community.slug)).status_code == 404


def test_private_community_members_page_lists_members_to_members(signed_in, member):
    community = CommunityFactory(visibility="private")
    MembershipFactory(community=community, user=member)
    MembershipFactory(community=community, user=UserFactory(username="insider", display_name="Ines Insider"))

    response = signed_in(member).get(url("members", slug=community.slug))

    assert response.status_code == 200
    assert "Ines Insider" in response.content.decode()


@pytest.mark.parametrize(
    ("join_policy", "state", "button"),
    [
        ("open", None, ">Join</button>"),
        ("approval", None, ">Request to join</button>"),
        ("invitation", None, "Invitation only"),
        ("approval", "pending", ">Withdraw request</button>"),
        ("invitation", "invited", ">Accept invitation</button>"),
        ("open", "active", ">Leave</button>"),
        ("open", "banned", "You cannot take part"),
    ],
)
def test_community_home_offers_the_button_that_fits_the_viewers_status(signed_in, member, join_policy, state, button):
    community = CommunityFactory(join_policy=join_policy)
    if state:
        MembershipFactory(community=community, user=member, state=state)

    page = signed_in(member).get(url("detail", slug=community.slug)).content.decode()

    assert button in page


def test_community_home_asks_visitors_to_sign_in_to_join(client, community):
    page = client.get(url("detail", slug=community.slug)).content.decode()

    assert f"{reverse('account_login')}?next=/c/water-security/" in page
    assert ">Join</button>" not in page


def test_coordinators_see_links_to_edit_members_and_manage(signed_in, community, coordinator):
    page = signed_in(coordinator).get(url("detail", slug=community.slug)).content.decode()

    assert url("edit", slug=community.slug) in page
    assert url("members", slug=community.slug) in page
    assert reverse("manage:index") in page


def test_members_do_not_see_coordinator_links(signed_in, community, member, active_membership):
    page = signed_in(member).get(url("detail", slug=community.slug)).content.decode()

    assert url("edit", slug=community.slug) not in page
    assert reverse("manage:index") not in page


# --- Joining and leaving --------------------------------------------------------------------


def test_joining_an_open_community_makes_an_active_member_and_shows_leave(signed_in, member, community):
    response = signed_in(member).post(url("join", slug=community.slug), follow=True)

    assert Membership.objects.get(user=member, community=community).state == "active"
    assert response.redirect_chain[-1][0] == community.get_absolute_url()
    page = response.content.decode()
    assert "Welcome to Water Security" in page
    assert ">Leave</button>" in page
    community.refresh_from_db()
    assert community.member_count == 1


def test_htmx_join_returns_the_membership_partial_only(signed_in, member, community):
    response = signed_in(member).post(url("join", slug=community.slug), headers={"HX-Request": "true"})

    page = response.content.decode()
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "communities/partials/_membership_status.html"
    assert 'id="membership-status"' in page
    assert "<html" not in page
    assert ">Leave</button>" in page
    assert "1 member" in page


def test_visitors_are_sent_to_sign_in_when_they_try_to_join(client, community):
    response = client.post(url("join", slug=community.slug))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not Membership.objects.exists()


def test_join_is_404_for_a_hidden_community_the_member_cannot_see(signed_in, member):
    hidden = CommunityFactory(visibility="hidden")

    assert signed_in(member).post(url("join", slug=hidden.slug)).status_code == 404
    assert not Membership.objects.filter(user=member).exists()


def test_invitation_only_community_refuses_a_join_post(signed_in, member):
    community = CommunityFactory(join_policy="invitation")

    response = signed_in(member).post(url("join", slug=community.slug))

    assert response.status_code == 403
    assert "by invitation only" in response.content.decode()
    assert not Membership.objects.filter(user=member).exists()


def test_join_page_shows_the_request_form_for_approval_communities(signed_in, member):
    community = CommunityFactory(join_policy="approval")

    response = signed_in(member).get(url("join", slug=community.slug))

    assert response.status_code == 200
    assert 'name="message"' in response.content.decode()


def test_request_to_join_is_pending_and_the_coordinator_sees_it_with_the_message(
    signed_in, client, member, django_capture_on_commit_callbacks
):
    community = CommunityFactory(name="Careful Circle", join_policy="approval")
    coordinator = coordinator_of(community)

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(member).post(
            url("join", slug=community.slug), {"message": "I run rural water schemes."}, follow=True
        )

    assert Membership.objects.get(user=member, community=community).state == "pending"
    assert "Request pending" in response.content.decode()
    assert mail.outbox[-1].to == [coordinator.email]
    client.force_login(coordinator)
    members_page = client.get(url("members", slug=community.slug)).content.decode()
    assert member.name in members_page
    assert "I run rural water schemes." in members_page


def test_a_too_long_request_message_is_refused_and_kept(signed_in, member):
    community = CommunityFactory(join_policy="approval")
    message = "x" * 1001

    response = signed_in(member).post(url("join", slug=community.slug), {"message": message})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "at most 1000 characters" in response.content.decode()
    assert not Membership.objects.filter(user=member).exists()


def test_leaving_a_community_removes_the_membership(signed_in, member, community, active_membership):
    response = signed_in(member).post(url("leave", slug=community.slug), follow=True)

    assert not Membership.objects.filter(user=member, community=community).exists()
    assert "You left Water Security" in response.content.decode()


def test_leave_withdraws_a_pending_request(signed_in, member):
    community = CommunityFactory(join_policy="approval")
    MembershipFactory(community=community, user=member, state="pending")

    response = signed_in(member).post(url("leave", slug=community.slug), headers={"HX-Request": "true"})

    assert not Membership.objects.filter(user=member).exists()
    assert "withdrawn" in response.content.decode()
    assert ">Request to join</button>" in response.content.decode()


def test_leave_only_accepts_post(signed_in, member, community, active_membership):
    assert signed_in(member).get(url("leave", slug=community.slug)).status_code == 405
    assert Membership.objects.filter(user=member, community=community).exists()


def test_last_coordinator_cannot_leave_and_is_told_why(signed_in, community, coordinator):
    response = signed_in(coordinator).post(url("leave", slug=community.slug), follow=True)

    assert "The last coordinator cannot leave" in response.content.decode()
    assert Membership.objects.get(user=coordinator, community=community).is_coordinator


def test_htmx_leave_of_the_last_coordinator_shows_the_error_in_the_partial(signed_in, community, coordinator):
    response = signed_in(coordinator).post(url("leave", slug=community.slug), headers={"HX-Request": "true"})

    page = response.content.decode()
    assert 'class="message error"' in page
    assert "The last coordinator cannot leave" in page
    assert Membership.objects.get(user=coordinator, community=community).is_coordinator


def test_leaving_a_hidden_community_sends_the_member_home(signed_in, member):
    hidden = CommunityFactory(visibility="hidden")
    MembershipFactory(community=hidden, user=member)

    response = signed_in(member).post(url("leave", slug=hidden.slug))

    assert response.status_code == 302
    assert response.url == reverse("home")


# --- Members page and coordinator actions ----------------------------------------------------


def test_members_page_lists_coordinators_first(client, community, coordinator):
    for name in ("aaron", "abby"):
        MembershipFactory(community=community, user=UserFactory(username=name, profile_visibility="public"))
    coordinator.profile_visibility = "public"
    coordinator.save()

    response = client.get(url("members", slug=community.slug))

    assert [row.user.username for row in response.context["page_obj"]] == ["cora", "aaron", "abby"]


def test_members_page_names_only_public_profiles_to_visitors(client, community):
    MembershipFactory(community=community, user=UserFactory(display_name="Public Pat", profile_visibility="public"))
    MembershipFactory(community=community, user=UserFactory(display_name="Shy Sam", profile_visibility="members"))

    page = client.get(url("members", slug=community.slug)).content.decode()

    assert "Public Pat" in page
    assert "Shy Sam" not in page
    assert "Sign in</a> to see everyone" in page


def test_members_page_shows_coordination_tools_to_coordinators_only(client, community, coordinator, member):
    MembershipFactory(community=community, user=member)

    client.force_login(coordinator)
    coordinator_page = client.get(url("members", slug=community.slug)).content.decode()
    client.force_login(member)
    member_page = client.get(url("members", slug=community.slug)).content.decode()

    assert "Join requests" in coordinator_page
    assert url("invite", slug=community.slug) in coordinator_page
    assert ">Ban<" in coordinator_page
    assert "Join requests" not in member_page
    assert url("invite", slug=community.slug) not in member_page
    assert ">Ban<" not in member_page


@pytest.fixture
def request_to_join(member):
    community = CommunityFactory(name="Careful Circle", join_policy="approval")
    return MembershipFactory(community=community, user=member, state="pending", joined_at=None)


def test_coordinator_approves_a_request_and_the_requester_is_emailed(
    signed_in, member, request_to_join, django_capture_on_commit_callbacks
):
    community = request_to_join.community
    client = signed_in(coordinator_of(community))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(community, request_to_join, "approve"), follow=True)

    request_to_join.refresh_from_db()
    assert request_to_join.state == "active"
    assert f"{member.name} is now a member" in response.content.decode()
    assert mail.outbox[-1].to == [member.email]
    assert "Welcome to Careful Circle" in mail.outbox[-1].subject


def test_coordinator_declines_a_request_and_the_requester_is_emailed(
    signed_in, member, request_to_join, django_capture_on_commit_callbacks
):
    community = request_to_join.community
    client = signed_in(coordinator_of(community))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(action_url(community, request_to_join, "decline"))

    assert not Membership.objects.filter(pk=request_to_join.pk).exists()
    assert mail.outbox[-1].to == [member.email]
    assert "did not approve" in mail.outbox[-1].body


def test_a_member_who_is_not_coordinator_cannot_approve_requests(signed_in, other_member, request_to_join):
    community = request_to_join.community
    MembershipFactory(community=community, user=other_member)

    response = signed_in(other_member).post(action_url(community, request_to_join, "approve"))

    assert response.status_code == 403
    request_to_join.refresh_from_db()
    assert request_to_join.state == "pending"


def test_coordinator_of_one_community_cannot_act_on_a_membership_of_another(signed_in, request_to_join):
    own_community = CommunityFactory()
    client = signed_in(coordinator_of(own_community))

    response = client.post(action_url(own_community, request_to_join, "approve"))

    assert response.status_code == 404
    request_to_join.refresh_from_db()
    assert request_to_join.state == "pending"


def test_unknown_member_action_is_404(signed_in, community, coordinator, active_membership):
    response = signed_in(coordinator).post(action_url(community, active_membership, "delete-everything"))

    assert response.status_code == 404


def test_member_action_only_accepts_post(signed_in, community, coordinator, active_membership):
    response = signed_in(coordinator).get(action_url(community, active_membership, "remove"))

    assert response.status_code == 405
    assert Membership.objects.filter(pk=active_membership.pk).exists()


def test_coordinator_promotes_and_demotes_a_member(signed_in, community, coordinator, active_membership):
    client = signed_in(coordinator)

    client.post(action_url(community, active_membership, "promote"))
    active_membership.refresh_from_db()
    assert active_membership.role == "coordinator"

    client.post(action_url(community, active_membership, "demote"))
    active_membership.refresh_from_db()
    assert active_membership.role == "member"


def test_the_last_coordinator_cannot_step_down_and_is_told_why(signed_in, community, coordinator):
    own = Membership.objects.get(user=coordinator, community=community)

    response = signed_in(coordinator).post(action_url(community, own, "demote"), follow=True)

    assert "The last coordinator cannot step down" in response.content.decode()
    own.refresh_from_db()
    assert own.role == "coordinator"


def test_coordinator_removes_a_member(signed_in, community, coordinator, active_membership):
    signed_in(coordinator).post(action_url(community, active_membership, "remove"))

    assert not Membership.objects.filter(pk=active_membership.pk).exists()
    community.refresh_from_db()
    assert community.member_count == 1


def test_coordinator_bans_and_unbans_a_member(signed_in, community, coordinator, member, active_membership):
    client = signed_in(coordinator)

    client.post(action_url(community, active_membership, "ban"))
    active_membership.refresh_from_db()
    assert active_membership.state == "banned"
    assert member.name in client.get(url("members", slug=community.slug)).content.decode()

    client.post(action_url(community, active_membership, "unban"))
    assert not Membership.objects.filter(pk=active_membership.pk).exists()


# --- Creating and editing -------------------------------------------------------------------


def charter_data(**overrides):
    return {
        "name": "Urban Resilience",
        "slug": "",
        "tagline": "Cities that bend, not break",
        "domain": "Making cities withstand floods and heat",
        "audience": "City planners and engineers",
        "mandate": "Collect **what works**.",
        "norms": "Be generous.",
        "tags": "flooding, heat",
        "stage": "dream",
        "visibility": "public",
        "join_policy": "approval",
        "critical_mass": "12",
        **overrides,
    }


def test_member_creates_a_community_and_becomes_its_coordinator(signed_in, member):
    response = signed_in(member).post(url("create"), charter_data(), follow=True)

    community = Community.objects.get(slug="urban-resilience")
    assert response.redirect_chain[-1][0] == community.get_absolute_url()
    assert Membership.objects.get(community=community, user=member).is_coordinator
    assert set(community.tags.names()) == {"flooding", "heat"}
    assert "<strong>what works</strong>" in response.content.decode()


def test_create_with_a_taken_slug_shows_the_error_by_the_field_and_keeps_what_was_typed(signed_in, member):
    CommunityFactory(slug="urban-resilience")

    response = signed_in(member).post(url("create"), charter_data(tagline="My carefully typed tagline"))

    assert response.status_code == 400
    assert "is taken" in " ".join(response.context["form"].errors["slug"])
    page = response.content.decode()
    assert 'id="id_slug_error"' in page  # the message sits by the field
    assert "is taken" in page
    assert 'value="My carefully typed tagline"' in page
    assert "Making cities withstand floods and heat" in page
    assert 'value="flooding, heat"' in page
    assert Community.objects.count() == 1


def test_create_shows_field_errors_for_missing_charter_fields(signed_in, member):
    response = signed_in(member).post(url("create"), charter_data(domain="", audience=""))

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"domain", "audience"}
    page = response.content.decode()
    assert 'id="id_domain_error"' in page
    assert 'id="id_audience_error"' in page
    assert not Community.objects.exists()


def test_create_requires_signing_in(client):
    response = client.get(url("create"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_members_cannot_create_when_creation_is_staff_only(signed_in, settings, member):
    settings.COMMUNITY_CREATION = "staff"
    client = signed_in(member)

    assert client.get(url("create")).status_code == 403
    assert client.post(url("create"), charter_data()).status_code == 403
    assert not Community.objects.exists()


def test_staff_can_create_when_creation_is_staff_only(signed_in, settings, staff):
    settings.COMMUNITY_CREATION = "staff"

    response = signed_in(staff).post(url("create"), charter_data(slug="resilience"))

    assert response.status_code == 302
    assert Community.objects.filter(slug="resilience").exists()


def test_coordinator_edits_the_charter_but_not_the_slug(signed_in, community, coordinator):
    data = charter_data(name="Water Security Network", slug="hijacked", tags="wells")

    response = signed_in(coordinator).post(url("edit", slug=community.slug), data)

    assert response.status_code == 302
    community.refresh_from_db()
    assert community.name == "Water Security Network"
    assert community.slug == "water-security"
    assert set(community.tags.names()) == {"wells"}
    assert "<strong>what works</strong>" in community.mandate_html


def test_edit_form_starts_from_the_current_charter(signed_in, community, coordinator):
    community.tags.set(["wells", "pumps"])

    page = signed_in(coordinator).get(url("edit", slug=community.slug)).content.decode()

    assert 'value="Water Security"' in page
    assert "Rural water supply and sanitation" in page
    assert 'value="pumps, wells"' in page


def test_members_cannot_edit_the_charter(signed_in, community, member, active_membership):
    response = signed_in(member).post(url("edit", slug=community.slug), charter_data())

    assert response.status_code == 403
    community.refresh_from_db()
    assert community.name == "Water Security"


def test_editing_a_hidden_community_is_404_for_outsiders(signed_in, member):
    hidden = CommunityFactory(visibility="hidden")

    assert signed_in(member).get(url("edit", slug=hidden.slug)).status_code == 404


@pytest.mark.parametrize("count", [10, 60])
def test_members_page_query_count_stays_flat_for_coordinators(
    signed_in, community, coordinator, django_assert_max_num_queries, count
):
    for _ in range(count):
        MembershipFactory(community=community)
        MembershipFactory(community=community, state="pending", joined_at=None)
        MembershipFactory(community=community, state="banned", joined_at=None)
    client = signed_in(coordinator)

    with django_assert_max_num_queries(14):
        response = client.get(url("members", slug=community.slug))

    assert response.status_code == 200
    assert response.context["pending_count"] == count
    assert len(response.context["pending"]) == min(count, response.context["list_limit"])


@pytest.mark.parametrize("count", [10, 60])
def test_home_query_count_stays_flat_as_a_member_joins_more_communities(
    signed_in, member, django_assert_max_num_queries, count
):
    for number in range(count):
        MembershipFactory(community=CommunityFactory(tags=[f"topic-{number}"]), user=member)
    CommunityFactory.create_batch(3, tags=["shared"])
    client = signed_in(member)

    # 10, and 1 for the "New event" items the events app adds to the activity (events.activity).
    with django_assert_max_num_queries(11):
        response = client.get(reverse("home"))

    assert response.status_code == 200
    assert len(response.context["memberships"]) == count
