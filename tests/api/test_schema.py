"""The OpenAPI schema describes every endpoint without a warning from drf-spectacular."""

from django.core.management import call_command

from api.tokens import token_create


def test_schema_generates_and_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/v1/threads/{id}/posts/", "/api/v1/search/", "/api/v1/communities/{slug}/health/"):
        assert path in text
    assert "application/problem+json" in text


def test_staff_revoke_tokens_in_admin(admin_client, django_user_model):
    owner = django_user_model.objects.create_user("owner", "owner@example.org", "pw")
    new = token_create(actor=owner, name="sync")
    response = admin_client.post(
        "/admin/api/accesstoken/", {"action": "revoke", "_selected_action": [new.token.pk]}, follow=True
    )
    assert response.status_code == 200
    new.token.refresh_from_db()
    assert new.token.revoked_at is not None
