"""How the API answers what it refuses: RFC 9457 problem details, scopes, sign-in, CSRF for
the session, and the per-token rate limit with Retry-After."""

import pytest
from rest_framework.test import APIClient

from tests.discussions.factories import make_thread

from .conftest import client_for, token_for

pytestmark = pytest.mark.django_db


def assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/api/problems/")
    assert body["title"] and body["detail"]
    return body


def test_unknown_object_is_a_404_problem(member):
    body = assert_problem(client_for(member).get("/api/v1/threads/999999/"), 404)
    assert "nothing you may see" in body["detail"]


def test_field_errors_are_listed_by_field(community, active_membership, member):
    response = client_for(member).post("/api/v1/threads/", {"community": community.slug, "title": ""}, format="json")
    body = assert_problem(response, 400)
    assert set(body["errors"]) >= {"title", "body"}


def test_service_refusals_keep_their_message(community, member):
    # Not a member: the service's own words come back as a 403 problem.
    response = client_for(member).post(
        "/api/v1/threads/", {"community": community.slug, "title": "Hi", "body": "Hello"}, format="json"
    )
    body = assert_problem(response, 403)
    assert body["detail"] == "Only active members can start threads here."


def test_a_read_token_cannot_write(community, active_membership, member):
    response = client_for(member, scope="read").post(
        "/api/v1/threads/", {"community": community.slug, "title": "Hi", "body": "Hello"}, format="json"
    )
    body = assert_problem(response, 403)
    assert "write scope" in body["detail"]
    assert not community.threads.exists()


def test_a_write_token_can_write(community, active_membership, member):
    response = client_for(member, scope="write").post(
        "/api/v1/threads/", {"community": community.slug, "title": "Hi", "body": "Hello"}, format="json"
    )
    assert response.status_code == 201, response.content


def test_visitors_read_public_content_but_cannot_write(community, coordinator):
    thread = make_thread(community=community, author=coordinator, title="Open thread")
    anonymous = client_for(None)
    assert anonymous.get(f"/api/v1/threads/{thread.pk}/").status_code == 200
    assert_problem(anonymous.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "hi"}, format="json"), 401)


def test_session_writes_need_the_csrf_token(community, active_membership, member):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(
        "/api/v1/threads/", {"community": community.slug, "title": "Hi", "body": "Hello"}, format="json"
    )
    body = assert_problem(response, 403)
    assert "CSRF" in body["detail"]
    assert client.get("/api/v1/threads/").status_code == 200  # reads need none


def test_rate_limit_answers_429_with_retry_after(settings, member):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    api = client_for(member)
    statuses = [api.get("/api/v1/communities/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/communities/")
    body = assert_problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Try again in" in body["detail"]
    # The limit is per token: another token of the same member has its own allowance.
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(member)}")
    assert other.get("/api/v1/communities/").status_code == 200


def test_visitors_are_limited_per_address(settings, db):
    settings.API_ANONYMOUS_RATE_LIMIT_PER_MINUTE = 2
    api = client_for(None)
    assert [api.get("/api/v1/communities/").status_code for _ in range(3)] == [200, 200, 429]


def test_unsupported_version_is_a_404(member):
    assert client_for(member).get("/api/v2/communities/").status_code == 404


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/threads/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "https://" not in page.replace("https://schema", "")  # every script and style is ours
    assert "<style" not in page and "<script>" not in page  # nothing inline: the CSP holds
    assert "script-src 'self'" in docs["Content-Security-Policy"]
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
