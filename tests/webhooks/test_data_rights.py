"""The webhook endpoints a member registered and their data rights: the export lists them
without their signing secret, and deleting the account switches them off and tells the
community's other coordinators, as when a creator loses their rights."""

import json

import pytest
from django.core import mail
from django.core.serializers.json import DjangoJSONEncoder

from communities.models import AuditEntry
from members.account_deletion import account_delete
from members.data_export.registry import export_sections
from members.models import Notification
from tests.communities.factories import CommunityFactory, coordinator_of
from webhooks import services
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
HOOK = "http://127.0.0.1:9/hook"


def exported(user) -> str:
    section = {section.name: section for section in export_sections()}["webhook_endpoints"]
    return json.dumps(list(section.collect(user, None)), cls=DjangoJSONEncoder)


def test_the_export_lists_the_endpoints_registered_and_never_their_secret(community, coordinator, other_member):
    endpoint = services.endpoint_create(actor=coordinator, community=community, url=HOOK, events=["thread.created"])
    services.endpoint_create(
        actor=coordinator_of(community), community=community, url="http://127.0.0.1:9/other", events=["thread.created"]
    )

    text = exported(coordinator)

    records = json.loads(text)
    assert len(records) == 1
    assert records[0]["url"] == HOOK and records[0]["events"] == ["thread.created"]
    assert records[0]["community"]["slug"] == community.slug and records[0]["active"] is True
    assert endpoint.secret not in text and "whsec_" not in text


def test_deleting_the_account_disables_its_endpoints_and_tells_the_other_coordinators(committed):
    community = CommunityFactory(name="Water")
    leaving = coordinator_of(community)
    staying = coordinator_of(community)
    endpoint = services.endpoint_create(actor=leaving, community=community, url=HOOK, events=["thread.created"])
    theirs = services.endpoint_create(actor=staying, community=community, url=HOOK, events=["thread.created"])

    with committed():
        account_delete(actor=leaving, user=leaving, password=PASSWORD)

    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.created_by is None
    assert "no longer has an active account" in endpoint.disabled_reason
    assert AuditEntry.objects.filter(community=community, action="webhook_disabled").count() == 1
    assert [n.recipient for n in Notification.objects.filter(kind="webhook_disabled")] == [staying]
    assert [m.to for m in mail.outbox if "webhook" in m.subject.lower()] == [[staying.email]]
    theirs.refresh_from_db()
    assert theirs.active  # another coordinator's endpoint goes on
    assert Endpoint.objects.count() == 2
