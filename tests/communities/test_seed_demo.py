"""The demo data that `make run` loads: realistic, built by the services, safe to load twice.

Seeded once for the module (tests/demo_data.py): each test reads it in its own savepoint."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from communities.models import Community, Invitation, Membership
from tests.demo_data import seed_demo_for_module

# One worker runs the whole module, so the demo is seeded once (make test uses --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_demo")]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """What the first seeding printed; the demo stays in the database for the module."""
    with seed_demo_for_module(django_db_blocker, tmp_path_factory.mktemp("demo"), no_history=True) as output:
        yield output


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", no_history=True, stdout=out)
    return out.getvalue()


def _counts():
    return {
        "users": get_user_model().objects.count(),
        "communities": Community.objects.count(),
        "memberships": Membership.objects.count(),
        "active": Membership.objects.filter(state="active").count(),
        "invitations": Invitation.objects.count(),
    }


def test_seeding_twice_adds_nothing_the_second_time(seeded):
    first_output = seeded
    first = _counts()
    second_output = _seed()
    assert _counts() == first
    assert "6 communities added" in first_output
    assert "nothing added" in second_output
    for output in (first_output, second_output):
        assert "coordinator@example.org" in output and "member@example.org" in output
    assert first["users"] >= 30
    assert first["communities"] >= 6


def test_demo_has_every_kind_of_community(seeded):
    communities = Community.objects.all()
    assert {c.visibility for c in communities} == {"public", "private", "hidden"}
    assert {c.join_policy for c in communities} == {"open", "approval", "invitation"}
    assert len({c.stage for c in communities}) == 5
    for community in communities:
        assert community.domain and community.audience and community.mandate_html and community.norms_html
        assert community.tags.exists()
        assert community.memberships.coordinators().exists()
        assert community.member_count == community.memberships.active().count()


def test_demo_has_pending_join_requests_with_messages_and_an_open_invitation(seeded):
    pending = Membership.objects.filter(state="pending")
    assert pending.count() >= 3
    assert all(m.request_message for m in pending)
    assert any(invitation.is_open for invitation in Invitation.objects.all())


def test_demo_members_have_profiles_and_verified_addresses(seeded):
    users = get_user_model().objects.all()
    assert not EmailAddress.objects.filter(verified=False).exists()
    assert EmailAddress.objects.filter(primary=True).count() == users.count()
    members = users.exclude(is_staff=True)
    assert all(u.display_name and u.headline and u.discipline and u.country and u.bio_html for u in members)
    assert {u.profile_visibility for u in members} == {"public", "members"}
    assert members.filter(expertise__isnull=False).distinct().count() == members.count()


def test_demo_coordinator_signs_in_and_coordinates_communities(seeded, client):
    response = client.post(
        reverse("account_login"), {"login": "coordinator@example.org", "password": "demo-password-123"}
    )
    assert response.status_code == 302
    coordinator = get_user_model().objects.get(email="coordinator@example.org")
    assert int(client.session["_auth_user_id"]) == coordinator.pk
    coordinated = Community.objects.coordinated_by(coordinator)
    assert coordinated.count() >= 2
    assert Membership.objects.managed_by(coordinator).filter(state="pending").exists()


def test_demo_member_and_admin_accounts_work(seeded):
    member = get_user_model().objects.get(email="member@example.org")
    admin = get_user_model().objects.get(email="admin@example.org")
    assert member.check_password("demo-password-123")
    assert not member.is_staff
    assert admin.is_staff and admin.check_password("demo-password-123")
    assert Membership.objects.filter(user=member, state="pending").exists()
    assert Membership.objects.filter(user=member, state="invited").exists()
    hidden = Community.objects.get(visibility="hidden")
    assert hidden in Community.objects.visible_to(member)  # invited: may see it to accept
