"""The endpoint pages: coordinators of the community (and staff, site-wide) only."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from communities.models import AuditEntry
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.members.factories import UserFactory
from webhooks import services
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db


def url(name, community=None, **kwargs):
    if community is None:
        return reverse(f"webhooks:site_{name}", kwargs=kwargs)
    return reverse(f"webhooks:{name}", kwargs={"slug": community.slug, **kwargs})


@pytest.fixture
def endpoint(community, coordinator):
    return services.endpoint_create(
        actor=coordinator, community=community, url="http://127.0.0.1:9/hook", events=["thread.created"]
    )


def test_coordinator_adds_an_endpoint_and_sees_its_secret(client, community, coordinator):
    client.force_login(coordinator)
    response = client.post(
        url("new", community), {"url": "http://127.0.0.1:9/hook", "events": ["thread.created", "post.created"]}
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", community, endpoint_id=endpoint.pk)
    assert endpoint.events == ["thread.created", "post.created"] and endpoint.created_by == coordinator
    page = client.get(response["Location"])
    assert endpoint.secret in page.content.decode()
    assert "<title>" in page.content.decode()


def test_a_private_address_is_refused_next_to_the_field_and_the_input_kept(client, community, coordinator, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    client.force_login(coordinator)
    response = client.post(url("new", community), {"url": "https://10.0.0.5/hook", "events": ["thread.created"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "private, loopback or link-local" in html and 'value="https://10.0.0.5/hook"' in html
    assert not Endpoint.objects.exists()


def test_no_events_chosen_is_explained(client, community, coordinator):
    client.force_login(coordinator)
    response = client.post(url("new", community), {"url": "http://127.0.0.1:9/hook"})
    assert "Choose at least one event" in response.content.decode()


def test_member_gets_403_and_outsider_of_a_private_community_404(client, community, member, active_membership):
    client.force_login(member)
    assert client.get(url("list", community)).status_code == 403
    private = CommunityFactory(visibility="hidden")
    coordinator_of(private)
    assert client.get(url("list", private)).status_code == 404


def test_coordinator_of_another_community_cannot_reach_this_ones_endpoint(client, community, endpoint):
    other = CommunityFactory()
    client.force_login(coordinator_of(other))
    assert client.get(url("detail", community, endpoint_id=endpoint.pk)).status_code == 403
    # and through their own community's address the endpoint does not exist
    assert client.get(url("detail", other, endpoint_id=endpoint.pk)).status_code == 404
    assert client.post(url("action", other, endpoint_id=endpoint.pk, action="rotate")).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, community):
    response = client.get(url("list", community))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_rotate_ping_edit_delete(client, community, coordinator, endpoint):
    client.force_login(coordinator)
    old = endpoint.secret
    client.post(url("action", community, endpoint_id=endpoint.pk, action="rotate"))
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    response = client.post(url("action", community, endpoint_id=endpoint.pk, action="ping"), follow=True)
    assert endpoint.deliveries.filter(event_type="ping").exists()
    assert response.status_code == 200
    client.post(
        url("edit", community, endpoint_id=endpoint.pk),
        {"url": "http://127.0.0.1:10/hook", "events": ["member.joined"], "description": "HR sync"},
    )
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.description) == (
        "http://127.0.0.1:10/hook",
        ["member.joined"],
        "HR sync",
    )
    assert client.get(url("delete", community, endpoint_id=endpoint.pk)).status_code == 200
    client.post(url("delete", community, endpoint_id=endpoint.pk))
    assert not Endpoint.objects.exists()
    assert list(AuditEntry.objects.filter(action__startswith="webhook_").values_list("action", flat=True)) == [
        "webhook_deleted",
        "webhook_changed",
        "webhook_secret_rotated",
        "webhook_added",
    ]


def test_re_enabling_a_disabled_endpoint(client, community, coordinator, endpoint):
    Endpoint.objects.filter(pk=endpoint.pk).update(active=False, consecutive_failures=10, disabled_reason="Too many")
    client.force_login(coordinator)
    page = client.get(url("detail", community, endpoint_id=endpoint.pk)).content.decode()
    assert "This endpoint is disabled." in page and "Too many" in page
    client.post(url("action", community, endpoint_id=endpoint.pk, action="enable"))
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 0 and endpoint.disabled_at is None


def test_site_wide_pages_are_for_staff_only(client, member):
    client.force_login(member)
    assert client.get(url("list")).status_code == 403
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(url("list")).status_code == 200
    client.post(url("new"), {"url": "http://127.0.0.1:9/hook", "events": ["flag.raised"]})
    assert Endpoint.objects.get().community is None


def test_community_page_links_coordinators_to_webhooks_and_not_members(client, community, coordinator, member):
    MembershipFactory(community=community, user=member)
    client.force_login(coordinator)
    assert url("list", community) in client.get(community.get_absolute_url()).content.decode()
    client.force_login(member)
    assert url("list", community) not in client.get(community.get_absolute_url()).content.decode()


def test_services_refuse_members(community, member, active_membership, endpoint):
    with pytest.raises(PermissionDenied):
        services.endpoint_create(actor=member, community=community, url="http://127.0.0.1:9/", events=["post.created"])
    with pytest.raises(PermissionDenied):
        services.endpoint_rotate_secret(actor=member, endpoint=endpoint)
    with pytest.raises(PermissionDenied):
        services.endpoint_create(actor=member, community=None, url="http://127.0.0.1:9/", events=["post.created"])
