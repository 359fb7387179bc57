"""The email log in /manage/: coordinators see what was emailed about their communities and
nothing about anyone else's; staff see everything in /admin/."""

import pytest
from django.urls import reverse

from members.models import EmailDelivery
from tests.admin_helpers import other_coordinated_community, result_table
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

LOG = reverse("manage:members_emaildelivery_changelist")


@pytest.fixture
def deliveries(community, member):
    other = other_coordinated_community()
    return {
        "ours": EmailDelivery.objects.create(
            recipient=member, kind="welcome", key=f"welcome:c{community.pk}", community_id=community.pk,
            state="sent", subject="Welcome to Water Security", summary="Norms and a first post",
        ),
        "failed": EmailDelivery.objects.create(
            recipient=member, kind="coordinator", key="coordinator:x", community_id=community.pk,
            state="failed", subject="3 questions wait for an answer", error="SMTPServerDisconnected",
        ),
        "theirs": EmailDelivery.objects.create(
            recipient=member, kind="welcome", key=f"welcome:c{other.pk}", community_id=other.pk,
            state="sent", subject="Welcome to Urban Mobility",
        ),
        "digest": EmailDelivery.objects.create(
            recipient=member, kind="digest", key="digest:weekly:2026-W48", state="sent", subject="Your weekly digest"
        ),
    }  # fmt: skip


def test_coordinator_sees_the_emails_about_their_community_only(client, coordinator, deliveries):
    client.force_login(coordinator)
    response = client.get(LOG)
    assert response.status_code == 200
    table = result_table(response)
    assert "Welcome to Water Security" in table and "3 questions wait" in table
    assert "Water Security" in table  # the community column
    assert "Urban Mobility" not in table and "weekly digest" not in table
    other = deliveries["theirs"]
    assert client.get(reverse("manage:members_emaildelivery_change", args=[other.pk])).status_code in (302, 404)


def test_coordinator_filters_the_log_by_kind_and_state(client, coordinator, deliveries):
    client.force_login(coordinator)
    table = result_table(client.get(LOG, {"state__exact": "failed"}))
    assert "3 questions wait" in table and "Welcome to Water Security" not in table
    table = result_table(client.get(LOG, {"kind__exact": "welcome"}))
    assert "Welcome to Water Security" in table and "3 questions wait" not in table


def test_the_log_is_read_only(client, coordinator, deliveries):
    client.force_login(coordinator)
    ours = deliveries["ours"]
    url = reverse("manage:members_emaildelivery_change", args=[ours.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Norms and a first post" in page.content.decode()
    client.post(url, {"subject": "changed"})
    ours.refresh_from_db()
    assert ours.subject == "Welcome to Water Security"


def test_members_without_a_community_to_coordinate_cannot_open_it(client, member, deliveries):
    client.force_login(member)
    assert client.get(LOG).status_code in (302, 403)


def test_staff_see_every_email_in_the_full_admin(client, staff, deliveries):
    client.force_login(staff)
    table = result_table(client.get(reverse("admin:members_emaildelivery_changelist")))
    assert all(delivery.subject in table for delivery in deliveries.values())


def test_manage_index_offers_my_digest_now(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("manage:index")).content.decode()
    assert "Send me my digest now" in page and reverse("digest_send_now") in page


def test_log_query_count_does_not_grow_with_rows(client, coordinator, community, django_assert_max_num_queries):
    client.force_login(coordinator)
    users = [UserFactory() for _ in range(30)]
    for index, user in enumerate(users):
        EmailDelivery.objects.create(recipient=user, kind="nudge", key=f"nudge:{index}", community_id=community.pk)
    with django_assert_max_num_queries(12):
        assert client.get(LOG).status_code == 200
