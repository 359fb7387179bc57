"""A member's API tokens and their data rights: the export lists them without their secret,
and deleting the account leaves no token that still works."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from api.models import AccessToken, Scope
from api.tokens import token_create
from members.account_deletion import account_delete
from members.data_export.registry import export_sections
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def exported(user, name: str) -> str:
    section = {section.name: section for section in export_sections()}[name]
    return json.dumps(list(section.collect(user, None)), cls=DjangoJSONEncoder)


def test_the_export_lists_the_tokens_by_name_and_never_their_hash_or_secret(member):
    new = token_create(actor=member, name="Intranet news box", scope=Scope.READ)
    token = AccessToken.objects.get(user=member)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])

    text = exported(member, "api_tokens")

    records = json.loads(text)
    assert [record["name"] for record in records] == ["Intranet news box"]
    assert records[0]["prefix"] == token.prefix and records[0]["scope"] == "read"
    assert records[0]["revoked_at"] is not None
    assert token.token_hash not in text
    assert new.secret not in text


def test_the_export_holds_only_the_members_own_tokens(member, other_member):
    token_create(actor=other_member, name="Otto's dashboard")
    assert json.loads(exported(member, "api_tokens")) == []


def test_deleting_the_account_deletes_its_tokens_and_they_no_longer_authenticate(member):
    secret = token_create(actor=member, name="Intranet news box", scope=Scope.READ).secret
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/communities/").status_code == 200

    account_delete(actor=member, user=member, password=PASSWORD)

    assert not AccessToken.objects.filter(user_id=member.pk).exists()
    assert client.get("/api/v1/communities/").status_code == 401
