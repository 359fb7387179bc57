"""The coordinator panel (/manage/): a coordinator sees and changes only the communities they
run, every change goes through the services, and staff keep the full admin at /admin/."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse

from communities.models import AuditEntry, Community, Invitation, Membership
from tests.admin_helpers import messages_of, other_coordinated_community
from tests.admin_helpers import run_action as run_changelist_action
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.html_safety import assert_inert
from tests.members.factories import UserFactory

MEMBERSHIPS = reverse("manage:communities_membership_changelist")
COMMUNITIES = reverse("manage:communities_community_changelist")
INVITATIONS = reverse("manage:communities_invitation_changelist")
INVITE = reverse("manage:communities_invitation_add")


@pytest.fixture
def other_community(db):
    """Community B, run by someone else, with a pending request from `bruno`."""
    community = other_coordinated_community(join_policy="approval")
    MembershipFactory(community=community, user=UserFactory(username="bruno", display_name="Bruno B"), state="pending")
    return community


@pytest.fixture
def bruno_request(other_community):
    return Membership.objects.get(community=other_community, user__username="bruno")


@pytest.fixture
def pending_request(community):
    community.join_policy = "approval"
    community.save(update_fields=["join_policy"])
    return MembershipFactory(
        community=community,
        user=UserFactory(username="petra", display_name="Petra P"),
        state="pending",
        request_message="I run a water board.",
    )


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def run_action(client, action, *memberships, url=MEMBERSHIPS):
    return run_changelist_action(client, url, action, *memberships)


# --- Who gets in -------------------------------------------------------------------------------


def test_coordinator_opens_the_panel_and_finds_join_requests(coordinator_client, other_community):
    response = coordinator_client.get(reverse("manage:index"))

    assert response.status_code == 200
    assert f"{MEMBERSHIPS}?state__exact=pending" in response.content.decode()
    assert "Join requests" in response.content.decode()


def test_anonymous_visitor_is_sent_to_the_allauth_login_and_back(client, db):
    response = client.get(MEMBERSHIPS, follow=True)

    final_url, _ = response.redirect_chain[-1]
    assert final_url.startswith(reverse("account_login"))
    assert "next=/manage/communities/membership/" in final_url


def test_manage_login_page_offers_no_password_form_of_its_own(client, db):
    response = client.post(reverse("manage:login"), {"username": "x", "password": "y"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_plain_member_is_refused_on_manage(client, active_membership, member):
    client.force_login(member)

    response = client.get(reverse("manage:index"), follow=True)

    assert response.status_code == 403
    assert "Water Security" not in response.content.decode()


def test_inactive_coordinator_is_refused(client, coordinator):
    coordinator.is_active = False
    coordinator.save()
    client.force_login(coordinator)

    response = client.get(reverse("manage:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("manage:login"))


def test_coordinator_who_is_not_staff_cannot_open_the_staff_admin(coordinator_client):
    response = coordinator_client.get(reverse("admin:communities_membership_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_password_change_link_leads_to_the_account_pages(coordinator_client):
    response = coordinator_client.get(reverse("manage:password_change"))

    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")


# --- Scoping ---------------------------------------------------------------------------------


def test_membership_list_shows_only_the_coordinators_communities(coordinator_client, active_membership, bruno_request):
    response = coordinator_client.get(MEMBERSHIPS)

    page = response.content.decode()
    assert response.status_code == 200
    assert active_membership.user.name in page
    assert "Bruno B" not in page
    assert "Urban Mobility" not in page


def test_membership_of_another_community_opened_by_id_does_not_exist(coordinator_client, bruno_request):
    url = reverse("manage:communities_membership_change", args=[bruno_request.pk])

    response = coordinator_client.get(url, follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("manage:index")
    assert any("doesn’t exist" in message for message in messages_of(response))
    assert "Bruno B" not in page
    assert "Urban Mobility" not in page


def test_approving_another_communitys_request_by_id_changes_nothing(
    coordinator_client, bruno_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_action(coordinator_client, "approve_requests", bruno_request)

    bruno_request.refresh_from_db()
    assert bruno_request.state == "pending"
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(action="join_approved").exists()


def test_community_list_shows_only_coordinated_communities(coordinator_client, other_community):
    response = coordinator_client.get(COMMUNITIES)

    page = response.content.decode()
    assert "Water Security" in page
    assert "Urban Mobility" not in page


def test_community_filter_on_memberships_offers_only_coordinated_communities(
    coordinator_client, community, other_community
):
    response = coordinator_client.get(MEMBERSHIPS)

    page = response.content.decode()
    assert f"?community={community.pk}" in page
    assert f"?community={other_community.pk}" not in page


def test_filtering_memberships_by_another_community_shows_nothing_of_it(coordinator_client, other_community):
    response = coordinator_client.get(MEMBERSHIPS, {"community": other_community.pk})

    assert response.status_code == 200
    assert "Bruno B" not in response.content.decode()


def test_invitation_form_offers_only_coordinated_communities(coordinator_client, community, other_community):
    response = coordinator_client.get(INVITE)

    choices = list(response.context["adminform"].form.fields["community"].queryset)
    assert choices == [community]
    assert "Urban Mobility" not in response.content.decode()


def test_inviting_to_another_community_by_id_is_refused(coordinator_client, other_community):
    response = coordinator_client.post(INVITE, {"community": other_community.pk, "email": "x@example.org"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.exists()


def test_audit_log_shows_only_coordinated_communities(coordinator_client, community, other_community, bruno_request):
    AuditEntry.objects.create(community=community, action="member_removed", detail="here")
    AuditEntry.objects.create(community=other_community, action="member_banned", detail="elsewhere")

    response = coordinator_client.get(reverse("manage:communities_auditentry_changelist"))

    page = response.content.decode()
    assert "here" in page
    assert "elsewhere" not in page


def test_view_on_site_does_not_follow_another_communitys_objects(coordinator_client, other_community, community):
    content_type = ContentType.objects.get_for_model(Community)
    url = reverse("manage:view_on_site", args=[content_type.pk, other_community.pk])

    assert coordinator_client.get(url).status_code == 404
    own = coordinator_client.get(reverse("manage:view_on_site", args=[content_type.pk, community.pk]))
    assert own.status_code == 302
    assert own["Location"].endswith(community.get_absolute_url())


def test_superuser_sees_every_community_on_manage(client, staff, community, other_community):
    client.force_login(staff)

    page = client.get(COMMUNITIES).content.decode()

    assert "Water Security" in page
    assert "Urban Mobility" in page


def test_staff_sees_every_membership_on_the_staff_admin(client, staff, active_membership, bruno_request):
    client.force_login(staff)

    page = client.get(reverse("admin:communities_membership_changelist")).content.decode()

    assert active_membership.user.name in page
    assert "Bruno B" in page


# --- Actions go through the services -----------------------------------------------------------


def test_approving_a_join_request_activates_it_and_emails_the_requester(
    coordinator_client, pending_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(coordinator_client, "approve_requests", pending_request)

    pending_request.refresh_from_db()
    assert pending_request.state == "active"
    assert Community.objects.get(pk=pending_request.community_id).member_count == 2
    assert [message.to for message in mail.outbox] == [["petra@example.org"]]
    assert any("approved: 1" in message for message in messages_of(response))


def test_declining_a_join_request_removes_it(coordinator_client, pending_request, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(coordinator_client, "decline_requests", pending_request)

    assert not Membership.objects.filter(pk=pending_request.pk).exists()
    assert AuditEntry.objects.filter(action="join_declined").count() == 1
    assert any("declined: 1" in message for message in messages_of(response))


def test_join_requests_are_one_click_from_the_community_list(coordinator_client, pending_request, active_membership):
    communities_page = coordinator_client.get(COMMUNITIES).content.decode()
    requests_page = coordinator_client.get(MEMBERSHIPS, {"state__exact": "pending"}).content.decode()

    assert "1 waiting" in communities_page
    assert "Petra P" in requests_page
    assert "I run a water board." in requests_page
    assert active_membership.user.name not in requests_page


def test_approve_action_skips_rows_that_are_not_requests(coordinator_client, active_membership):
    response = run_action(coordinator_client, "approve_requests", active_membership)

    assert any("not join requests" in message for message in messages_of(response))
    assert not AuditEntry.objects.filter(action="join_approved").exists()


def test_demoting_the_last_coordinator_shows_why_and_changes_nothing(coordinator_client, coordinator, community):
    membership = Membership.objects.get(user=coordinator, community=community)

    response = run_action(coordinator_client, "demote_to_member", membership)

    membership.refresh_from_db()
    assert membership.role == "coordinator"
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors and "last coordinator" in errors[0]


def test_promoting_a_member_makes_them_a_coordinator(coordinator_client, active_membership):
    run_action(coordinator_client, "promote_to_coordinator", active_membership)

    active_membership.refresh_from_db()
    assert active_membership.role == "coordinator"
    assert AuditEntry.objects.filter(action="promoted_to_coordinator").exists()


def test_removing_a_member_keeps_the_member_count_right(coordinator_client, active_membership, community):
    run_action(coordinator_client, "remove_members", active_membership)

    assert not Membership.objects.filter(pk=active_membership.pk).exists()
    community.refresh_from_db()
    assert community.member_count == 1


def test_banning_a_member_bans_them(coordinator_client, active_membership):
    run_action(coordinator_client, "ban_members", active_membership)

    active_membership.refresh_from_db()
    assert active_membership.state == "banned"


def test_coordinator_cannot_ban_themself(coordinator_client, coordinator, community):
    membership = Membership.objects.get(user=coordinator, community=community)

    response = run_action(coordinator_client, "ban_members", membership)

    membership.refresh_from_db()
    assert membership.state == "active"
    assert any("cannot ban yourself" in message for message in messages_of(response))


def test_memberships_cannot_be_edited_or_deleted_directly(coordinator_client, active_membership):
    change_url = reverse("manage:communities_membership_change", args=[active_membership.pk])

    page = coordinator_client.get(change_url)
    coordinator_client.post(change_url, {"role": "coordinator", "state": "active"})

    assert page.status_code == 200
    assert "delete_selected" not in coordinator_client.get(MEMBERSHIPS).content.decode()
    active_membership.refresh_from_db()
    assert active_membership.role == "member"


# --- Charter and invitations -------------------------------------------------------------------


def charter_form(community, **changes):
    data = {
        "name": community.name,
        "tagline": community.tagline,
        "domain": community.domain,
        "audience": community.audience,
        "mandate": community.mandate,
        "norms": community.norms,
        "tags": "",
        "stage": community.stage,
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "critical_mass": community.critical_mass,
    }
    return {**data, **changes}


def test_charter_edit_goes_through_the_service(coordinator_client, community):
    url = reverse("manage:communities_community_change", args=[community.pk])

    response = coordinator_client.post(url, charter_form(community, mandate="Share *lessons*.", stage="design"))

    assert response.status_code == 302
    community.refresh_from_db()
    assert community.stage == "design"
    assert "<em>lessons</em>" in community.mandate_html
    entry = AuditEntry.objects.get(action="community_updated")
    assert entry.detail == "mandate, stage"


def test_charter_edit_with_a_blank_domain_keeps_what_was_typed(coordinator_client, community):
    url = reverse("manage:communities_community_change", args=[community.pk])

    response = coordinator_client.post(url, charter_form(community, domain="", tagline="Kept as typed"))

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert "Kept as typed" in response.content.decode()
    community.refresh_from_db()
    assert community.tagline != "Kept as typed"


def test_coordinator_cannot_add_or_delete_communities(coordinator_client, community):
    assert coordinator_client.get(reverse("manage:communities_community_add")).status_code == 403
    delete_url = reverse("manage:communities_community_delete", args=[community.pk])
    assert coordinator_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Community.objects.filter(pk=community.pk).exists()


def test_inviting_by_email_sends_the_invitation(coordinator_client, community, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(
            INVITE, {"community": community.pk, "email": "New.Person@Example.org", "message": "Join us"}
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@example.org"
    assert invitation.invited_by.username == "cora"
    assert [message.to for message in mail.outbox] == [["new.person@example.org"]]


def test_inviting_someone_already_a_member_says_so_next_to_the_email(coordinator_client, active_membership, community):
    response = coordinator_client.post(
        INVITE, {"community": community.pk, "email": active_membership.user.email, "message": "Typed message"}
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "already a member" in str(form.errors["email"])
    assert "Typed message" in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_the_same_address_again_replaces_the_open_invitation(coordinator_client, community):
    for _ in range(2):
        response = coordinator_client.post(INVITE, {"community": community.pk, "email": "again@example.org"})
        assert response.status_code == 302

    assert Invitation.objects.filter(revoked_at=None).count() == 1
    assert Invitation.objects.count() == 2


def test_withdrawing_an_invitation(coordinator_client, community):
    coordinator_client.post(INVITE, {"community": community.pk, "email": "later@example.org"})
    invitation = Invitation.objects.get()

    response = run_action(coordinator_client, "revoke_invitations", invitation, url=INVITATIONS)

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "Withdrawn" in coordinator_client.get(INVITATIONS).content.decode()
    assert any("withdrawn: 1" in message for message in messages_of(response))


# --- Escaping and query counts -----------------------------------------------------------------


def test_hostile_community_name_is_escaped_on_the_panel(client, db):
    community = CommunityFactory(name="<script>alert(1)</script>")
    user = coordinator_of(community)
    client.force_login(user)

    for url in (COMMUNITIES, MEMBERSHIPS):
        page = client.get(url).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script>alert(1)</script>" not in page
        table_start = page.index('<table id="result_list">')
        assert_inert(page[table_start : page.index("</table>", table_start)])


@pytest.mark.parametrize("rows", [10, 200])
def test_membership_list_runs_a_fixed_number_of_queries(
    coordinator_client, community, rows, django_assert_max_num_queries
):
    MembershipFactory.create_batch(rows, community=community)
    MembershipFactory.create_batch(rows, community=community, state="pending")

    with django_assert_max_num_queries(8):
        response = coordinator_client.get(MEMBERSHIPS)

    assert response.status_code == 200


# --- The staff admin goes through the same services ----------------------------------------------


def test_staff_creating_a_community_get_a_rendered_charter_and_coordinate_it(client, staff):
    client.force_login(staff)
    data = charter_form(CommunityFactory.build(), name="Soil Health", mandate="Keep **soil** alive.")

    response = client.post(reverse("admin:communities_community_add"), {**data, "slug": "soil-health"})

    assert response.status_code == 302
    community = Community.objects.get(slug="soil-health")
    assert "<strong>soil</strong>" in community.mandate_html
    assert Membership.objects.coordinators().filter(community=community, user=staff).exists()


def test_staff_approve_join_requests_on_the_staff_admin(
    client, staff, pending_request, django_capture_on_commit_callbacks
):
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        run_action(client, "approve_requests", pending_request, url=reverse("admin:communities_membership_changelist"))

    pending_request.refresh_from_db()
    assert pending_request.state == "active"
    assert len(mail.outbox) == 1
