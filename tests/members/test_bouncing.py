"""A member whose address bounces: we stop emailing them (skipped, on record), tell them on
every page until they say it is fixed or change it, and still send their account emails."""

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.tasks import send_digest_batch
from members.bouncing import bounce_record, bouncing_clear, is_bouncing
from members.data_export import lifecycle
from members.mailing import claim_deliveries, send_member_email
from members.models import DataExport, DeliveryState, EmailBounce, EmailBounceState, EmailDelivery
from members.tasks import prune_email_deliveries
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def bounce(user, *, kind="permanent", status="5.1.1", key="b1", address=None):
    return bounce_record(
        user=user,
        kind=kind,
        address=address or user.email,
        status=status,
        detail=f"550 {status} <{user.email}>: User unknown",
        key=key,
    )


@pytest.fixture
def bouncing(member):
    bounce(member)
    member.refresh_from_db()
    return member


def plan_digest(user, key="digest:weekly:2026-W48"):
    return EmailDelivery.objects.create(
        recipient=user, kind="digest", key=key, created_at=timezone.now() + timedelta(minutes=1)
    )


def to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


# --- The banner ---------------------------------------------------------------------------------


def test_the_banner_tells_the_member_on_every_page_until_it_is_fixed(client, bouncing):
    client.force_login(bouncing)
    for page in (reverse("home"), reverse("communities:directory"), reverse("members:settings")):
        response = client.get(page)
        text = response.content.decode()
        assert "Our emails to m…@example.org bounced on" in text
        assert "the mailbox does not exist: 5.1.1" in text
        assert "It's fixed, send again" in text
        assert reverse("account_email") in text
    assert "mira@example.org" not in client.get(reverse("home")).content.decode().split("bounced on")[0][-60:]


def test_other_members_and_visitors_see_no_banner(client, bouncing, other_member):
    assert "bounced on" not in client.get(reverse("home")).content.decode()
    client.force_login(other_member)
    assert "bounced on" not in client.get(reverse("home")).content.decode()


def test_a_page_costs_no_extra_query_for_a_member_whose_email_is_fine(client, member):
    client.force_login(member)
    client.get(reverse("members:settings"))  # warm up (session, site)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("members:settings"))
    assert not [q for q in queries.captured_queries if "email_bounce" in q["sql"]]


def test_its_fixed_clears_the_banner_and_our_email_resumes(client, bouncing, community, coordinator):
    MembershipFactory(community=community, user=bouncing)
    make_thread(community=community, author=coordinator, title="News on boreholes")
    client.force_login(bouncing)

    response = client.post(reverse("members:bounce_fixed"), {"next": reverse("communities:directory")})

    assert response.status_code == 302 and response["Location"] == reverse("communities:directory")
    page = client.get(response["Location"]).content.decode()
    assert "bounced on" not in page
    assert "We will email mira@example.org again." in page
    bouncing.refresh_from_db()
    assert not is_bouncing(bouncing)
    delivery = plan_digest(bouncing)
    send_digest_batch.delay(delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and len(to(bouncing)) == 1


def test_its_fixed_needs_a_post_from_the_member_and_keeps_redirects_on_site(client, bouncing):
    assert client.post(reverse("members:bounce_fixed"))["Location"].startswith(reverse("account_login"))
    client.force_login(bouncing)
    assert client.get(reverse("members:bounce_fixed")).status_code == 405
    assert is_bouncing(bouncing)
    response = client.post(reverse("members:bounce_fixed"), {"next": "https://evil.example.com/"})
    assert response["Location"] == reverse("home")


def test_a_bounce_after_its_fixed_brings_the_banner_back(client, bouncing):
    bouncing_clear(actor=bouncing, user=bouncing)
    assert bounce(bouncing, key="b2") == "marked"
    client.force_login(bouncing)
    assert "bounced on" in client.get(reverse("home")).content.decode()


def test_transient_failures_before_its_fixed_no_longer_count(member):
    bounce(member, kind="transient", status="4.2.2", key="t1")
    bounce(member, kind="transient", status="4.2.2", key="t2")
    bouncing_clear(actor=member, user=member)
    assert bounce(member, kind="transient", status="4.2.2", key="t3") == "counted"
    assert not is_bouncing(member)


def test_only_the_member_or_staff_may_clear_it(bouncing, other_member, staff):
    with pytest.raises(PermissionDenied):
        bouncing_clear(actor=other_member, user=bouncing)
    assert bouncing_clear(actor=staff, user=bouncing) is True


# --- Stop sending -------------------------------------------------------------------------------


def test_a_digest_to_a_bouncing_address_is_skipped_on_record_and_others_still_go(
    bouncing, other_member, community, coordinator
):
    for user in (bouncing, other_member):
        MembershipFactory(community=community, user=user)
    make_thread(community=community, author=coordinator, title="News on boreholes")
    skipped, sent = plan_digest(bouncing), plan_digest(other_member)

    send_digest_batch.delay(delivery_ids=[skipped.pk, sent.pk])

    skipped.refresh_from_db()
    sent.refresh_from_db()
    assert skipped.state == DeliveryState.SKIPPED
    assert "bounces" in skipped.summary
    assert to(bouncing) == []
    assert sent.state == DeliveryState.SENT and len(to(other_member)) == 1


def test_reply_notifications_to_a_bouncing_address_are_skipped_and_stay_on_the_notifications_page(
    client, bouncing, community, coordinator, django_capture_on_commit_callbacks
):
    MembershipFactory(community=community, user=bouncing)
    thread = make_thread(community=community, author=bouncing, title="Chlorination doses")
    with django_capture_on_commit_callbacks(execute=True):
        make_reply(thread=thread, author=coordinator, body="Try 0.5 mg/l")

    assert to(bouncing) == []
    delivery = EmailDelivery.objects.get(recipient=bouncing, kind="notifications")
    assert delivery.state == DeliveryState.SKIPPED and "bounces" in delivery.summary
    client.force_login(bouncing)
    assert "Chlorination doses" in client.get(reverse("members:notifications")).content.decode()


def test_send_member_email_sends_nothing_to_a_bouncing_address(bouncing, other_member):
    args = {"template": "members/email/notifications", "context": {"notifications": [], "count": 0}}
    assert send_member_email(user=bouncing, scope="notifications", **args) == 0
    assert send_member_email(user=other_member, scope="notifications", **args) == 1
    assert to(bouncing) == []


def test_skipping_bouncing_addresses_costs_the_same_queries_for_few_and_many(community, coordinator):
    """The check sits in claim_deliveries, which every batch (digests, reminders, list mail)
    goes through: no query when nobody bounces, two (confirm, skip) when some do."""

    def claim_queries(size, *, bouncing):
        deliveries = []
        for _ in range(size):
            user = MembershipFactory(community=community).user
            if bouncing:
                bounce(user)
            deliveries.append(plan_digest(user).pk)
        with CaptureQueriesContext(connection) as queries:
            sendable = claim_deliveries(deliveries)
        assert len(sendable) == (0 if bouncing else size)
        return len(queries)

    assert claim_queries(3, bouncing=True) == claim_queries(30, bouncing=True)
    assert claim_queries(3, bouncing=True) == claim_queries(3, bouncing=False) + 2
    assert EmailDelivery.objects.filter(state=DeliveryState.SKIPPED, summary__contains="bounces").count() == 36


def test_a_batch_with_bouncing_members_sends_to_the_others(community, coordinator):
    make_thread(community=community, author=coordinator, title="News")
    users = [MembershipFactory(community=community).user for _ in range(6)]
    for user in users[::2]:
        bounce(user)
    deliveries = [plan_digest(user).pk for user in users]

    outcome = send_digest_batch.delay(delivery_ids=deliveries).get()

    assert outcome["sent"] == 3
    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in users[1::2])


def test_a_stale_copy_on_the_user_row_does_not_stop_our_email(bouncing, community, coordinator):
    """A full save() of a user loaded before "It's fixed" puts the old copy back: the state
    says the address works, so email goes, and the copy is corrected."""
    stale = type(bouncing).objects.get(pk=bouncing.pk)
    bouncing_clear(actor=bouncing, user=bouncing)
    stale.save()  # e.g. staff saving the member in /admin/ with the page opened earlier
    stale.refresh_from_db()
    assert stale.bouncing_email == "mira@example.org"

    MembershipFactory(community=community, user=stale)
    make_thread(community=community, author=coordinator, title="News on boreholes")
    delivery = plan_digest(stale)
    send_digest_batch.delay(delivery_ids=[delivery.pk])

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and len(to(stale)) == 1
    stale.refresh_from_db()
    assert stale.bouncing_email == ""


def test_a_lost_copy_comes_back_with_the_next_bounce(bouncing):
    type(bouncing).objects.filter(pk=bouncing.pk).update(bouncing_email="")
    assert bounce(bouncing, key="b2") == "already"
    bouncing.refresh_from_db()
    assert is_bouncing(bouncing)


def test_account_emails_still_go_to_a_bouncing_address(client, bouncing):
    response = client.post(reverse("account_reset_password"), {"email": bouncing.email})

    assert response.status_code == 302
    [reset] = to(bouncing)
    assert "password" in reset.subject.lower()


# --- Changing the address -----------------------------------------------------------------------


def test_a_new_address_starts_clean(bouncing):
    bouncing.email = "mira.new@example.org"
    bouncing.save()
    assert not is_bouncing(bouncing)
    assert send_member_email(
        user=bouncing,
        template="members/email/notifications",
        context={"notifications": [], "count": 0},
        scope="notifications",
    )


def test_changing_the_address_through_allauth_clears_it(client, bouncing):
    client.force_login(bouncing)
    client.post(reverse("account_email"), {"action_add": "", "email": "mira.new@example.org"})
    [confirmation] = [m for m in mail.outbox if m.to == ["mira.new@example.org"]]
    link = re.search(r"/accounts/confirm-email/[^/\s]+/", confirmation.body).group(0)

    client.post(link)

    bouncing.refresh_from_db()
    assert bouncing.email == "mira.new@example.org"
    assert bouncing.bouncing_email == ""
    assert not EmailBounceState.objects.filter(user=bouncing, bouncing_since__isnull=False).exists()
    assert "bounced on" not in client.get(reverse("home")).content.decode()


def test_changing_back_to_the_old_address_after_confirming_it_starts_clean(bouncing):
    """Confirming an address proves our mail reaches it again."""
    address = EmailAddress.objects.get(user=bouncing, email=bouncing.email)
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)

    bouncing.refresh_from_db()
    assert not is_bouncing(bouncing)


# --- Staff --------------------------------------------------------------------------------------


def test_staff_filter_users_by_bouncing_and_see_why(client, staff, bouncing, other_member):
    client.force_login(staff)
    listing = client.get(reverse("admin:members_user_changelist"), {"bouncing": "yes"}).content.decode()
    assert bouncing.username in listing and other_member.username not in listing
    listing = client.get(reverse("admin:members_user_changelist"), {"bouncing": "no"}).content.decode()
    assert other_member.username in listing and f">{bouncing.username}<" not in listing

    states = client.get(reverse("admin:members_emailbouncestate_changelist")).content.decode()
    assert "mira@example.org" in states and "5.1.1" in states
    assert client.get(reverse("admin:members_emailbounce_changelist")).status_code == 200


def test_staff_can_clear_it_from_the_user_list(client, staff, bouncing):
    client.force_login(staff)
    client.post(
        reverse("admin:members_user_changelist"),
        {"action": "clear_bouncing", "_selected_action": [bouncing.pk]},
    )
    bouncing.refresh_from_db()
    assert not is_bouncing(bouncing)


# --- Their data ---------------------------------------------------------------------------------


def test_the_members_data_export_lists_the_bounces_we_recorded(bouncing, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "data_exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    export = DataExport.objects.create(user=bouncing, requested_by=bouncing)
    lifecycle.data_export_build(export_id=export.pk)
    export.refresh_from_db()

    with storages["data_exports"].open(export.file_name) as file:
        archive = zipfile.ZipFile(io.BytesIO(file.read()))
    [row] = json.loads(archive.read("email_bounces.json"))
    assert row["address"] == "mira@example.org" and row["status"] == "5.1.1" and row["outcome"] == "marked"


def test_bounce_records_are_forgotten_with_the_email_log_and_the_state_stays(bouncing, settings):
    EmailBounce.objects.update(received_at=timezone.now() - timedelta(days=settings.EMAIL_DELIVERY_RETENTION_DAYS + 1))

    prune_email_deliveries.apply()

    assert not EmailBounce.objects.exists()
    bouncing.refresh_from_db()
    assert is_bouncing(bouncing)
    assert EmailBounceState.objects.get(user=bouncing).last_bounce_status == "5.1.1"
