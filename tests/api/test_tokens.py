"""Personal access tokens: made in Settings, shown once, stored hashed, revocable, scoped."""

import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import AccessToken, Scope
from api.tokens import token_create, token_revoke
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

TOKENS_PAGE = "/settings/api-tokens/"


def test_member_makes_a_token_in_settings_and_sees_it_once(client, member):
    client.force_login(member)
    response = client.post(TOKENS_PAGE, {"name": "Intranet box", "scope": "read"})
    assert response.status_code == 200
    token = AccessToken.objects.get(user=member)
    secret = response.context["new_secret"]
    assert secret.startswith("cop_") and secret in response.content.decode()
    # Stored as a SHA-256 hash and a short prefix, never in clear.
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.name, token.prefix, token.token_hash}
    assert secret.startswith(token.prefix) and len(token.prefix) < 12
    # The list shows the prefix only, never the secret again.
    again = client.get(TOKENS_PAGE).content.decode()
    assert token.prefix in again and secret not in again and "Intranet box" in again


def test_settings_tabs_link_to_the_tokens_page(client, member):
    client.force_login(member)
    assert TOKENS_PAGE in client.get(reverse("members:settings")).content.decode()


def test_a_token_without_a_name_is_refused_next_to_the_field(client, member):
    client.force_login(member)
    response = client.post(TOKENS_PAGE, {"name": "", "scope": "write"})
    assert response.status_code == 400
    assert not AccessToken.objects.exists()


def test_only_staff_may_make_provisioning_tokens(client, member, staff):
    client.force_login(member)
    response = client.post(TOKENS_PAGE, {"name": "HR sync", "scope": "provisioning"})
    assert response.status_code == 400 and not AccessToken.objects.exists()
    client.force_login(staff)
    assert client.post(TOKENS_PAGE, {"name": "HR sync", "scope": "provisioning"}).status_code == 200
    assert AccessToken.objects.get(user=staff).scope == Scope.PROVISIONING


def test_tokens_page_needs_sign_in(client):
    assert client.get(TOKENS_PAGE).status_code == 302


def test_revoked_token_stops_working_at_once(client, member):
    new = token_create(actor=member, name="script", scope=Scope.READ)
    api = client_for()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {new.secret}")
    assert api.get("/api/v1/notifications/").status_code == 200
    client.force_login(member)
    assert client.post(f"{TOKENS_PAGE}{new.token.pk}/revoke/").status_code == 302
    response = api.get("/api/v1/notifications/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_nobody_revokes_another_members_token(client, member, other_member):
    new = token_create(actor=member, name="script")
    client.force_login(other_member)
    assert client.post(f"{TOKENS_PAGE}{new.token.pk}/revoke/").status_code == 404
    new.token.refresh_from_db()
    assert new.token.revoked_at is None


def test_expired_token_is_refused(member):
    new = token_create(actor=member, name="short", expires_at=timezone.now() + timezone.timedelta(days=1))
    AccessToken.objects.filter(pk=new.token.pk).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    api = client_for()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {new.secret}")
    assert api.get("/api/v1/communities/").status_code == 401


def test_a_wrong_token_is_401_not_anonymous(member):
    api = client_for()
    api.credentials(HTTP_AUTHORIZATION="Bearer cop_not-a-real-token")
    response = api.get("/api/v1/communities/")
    assert response.status_code == 401
    assert response.json()["status"] == 401
    assert "Bearer" in response["WWW-Authenticate"]


def test_deactivated_members_tokens_stop_working(member):
    api = client_for(member)
    member.is_active = False
    member.save()
    assert api.get("/api/v1/communities/").status_code == 401


def test_use_is_recorded(member):
    new = token_create(actor=member, name="script")
    api = client_for()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {new.secret}")
    api.get("/api/v1/communities/")
    new.token.refresh_from_db()
    assert new.token.last_used_at is not None


def test_revoking_twice_is_harmless(member):
    new = token_create(actor=member, name="script")
    token_revoke(actor=member, token=new.token)
    token_revoke(actor=member, token=new.token)
    assert AccessToken.objects.usable().count() == 0
