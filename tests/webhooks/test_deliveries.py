"""Deliveries to a real receiver on loopback: each event once, signed, retried, disabled."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from communities.services import membership_approve, membership_join, membership_remove
from discussions.services.moderating import flag_create, post_hide
from members.models import Notification
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.discussions.factories import make_reply, make_thread
from tests.events.factories import make_event
from tests.members.factories import UserFactory
from tests.resources.factories import make_link
from webhooks import services, tasks
from webhooks.models import Delivery, DeliveryStatus, Endpoint, EventType
from webhooks.signing import signature_header, verify

pytestmark = pytest.mark.django_db

ALL_EVENTS = list(EventType.values)


def register(receiver, *, actor, community, events=ALL_EVENTS):
    endpoint = services.endpoint_create(actor=actor, community=community, url=receiver.url, events=events)
    receiver.secret = endpoint.secret
    return endpoint


def six_events(community, coordinator, committed):
    author = MembershipFactory(community=community).user
    with committed():
        thread = make_thread(community=community, author=author, title="Handpump spare parts")
    with committed():
        reply = make_reply(thread=thread, author=coordinator, body="Try the **district** store.")
    with committed():
        membership_join(actor=UserFactory(username="newcomer"), community=community)
    with committed():
        make_link(community=community, author=author, title="Spare parts catalogue")
    with committed():
        flag_create(actor=author, post=reply, reason="spam")
    with committed():
        make_event(community=community, organiser=coordinator, title="Monthly call")
    return thread, reply


def test_each_of_the_six_events_arrives_once_signed_with_its_summary(receiver, committed):
    community = CommunityFactory(slug="water", name="Water")
    coordinator = coordinator_of(community)
    register(receiver, actor=coordinator, community=community)

    thread, reply = six_events(community, coordinator, committed)

    assert sorted(receiver.events()) == sorted(ALL_EVENTS)
    assert all(entry["verified"] for entry in receiver.received)
    assert all(entry["content_type"] == "application/json" for entry in receiver.received)
    assert [entry["event"] for entry in receiver.received] == receiver.events()
    by_type = {entry["payload"]["type"]: entry["payload"] for entry in receiver.received}
    assert by_type["thread.created"]["data"]["thread"]["title"] == "Handpump spare parts"
    assert by_type["thread.created"]["community"]["slug"] == "water"
    post = by_type["post.created"]["data"]["post"]
    assert post["id"] == reply.pk and post["excerpt"] == "Try the district store."
    assert post["url"].endswith(reply.get_absolute_url())
    assert by_type["member.joined"]["data"]["member"]["username"] == "newcomer"
    assert by_type["resource.added"]["data"]["resource"]["title"] == "Spare parts catalogue"
    assert by_type["flag.raised"]["data"]["flag"]["reason"] == "spam"
    assert by_type["event.created"]["data"]["event"]["title"] == "Monthly call"
    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED, response_code=200).count() == 6


def test_running_the_tasks_again_sends_nothing_twice(receiver, committed):
    community = CommunityFactory()
    coordinator = coordinator_of(community)
    register(receiver, actor=coordinator, community=community, events=["thread.created"])
    with committed():
        thread = make_thread(community=community, author=coordinator)
    (delivery,) = Delivery.objects.all()

    tasks.deliver.delay(delivery_id=delivery.pk)  # a message delivered twice by the broker
    tasks.dispatch_event.delay(  # the fan-out run again for the same event
        event_type="thread.created",
        object_model="discussions.thread",
        object_id=thread.pk,
        event_id=str(delivery.event_id),
        occurred_at=delivery.payload["occurred_at"],
    )

    assert receiver.events() == ["thread.created"]
    assert Delivery.objects.count() == 1


def test_only_subscribed_events_and_only_that_communitys_are_sent(receiver, committed):
    community, elsewhere = CommunityFactory(), CommunityFactory()
    coordinator = coordinator_of(community)
    register(receiver, actor=coordinator, community=community, events=["post.created"])
    with committed():
        thread = make_thread(community=community, author=coordinator)
        make_thread(community=elsewhere, author=coordinator_of(elsewhere))
    with committed():
        make_reply(thread=thread, author=coordinator)

    assert receiver.events() == ["post.created"]


def test_a_rolled_back_post_sends_nothing(receiver, committed):
    community = CommunityFactory()
    coordinator = coordinator_of(community)
    register(receiver, actor=coordinator, community=community)
    with committed():
        try:
            with transaction.atomic():
                make_thread(community=community, author=coordinator)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    assert receiver.received == []


def test_a_failing_receiver_is_retried_then_the_endpoint_disabled_and_coordinators_told(receiver, committed):
    community = CommunityFactory(name="Water")
    coordinator = coordinator_of(community)
    other_coordinator = coordinator_of(community)
    endpoint = register(receiver, actor=coordinator, community=community, events=["thread.created"])
    receiver.status = 500

    with committed():
        make_thread(community=community, author=coordinator, title="First")
    first = Delivery.objects.get()
    assert first.status == DeliveryStatus.GAVE_UP and first.attempts == 3 and first.response_code == 500
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 1

    with committed():
        make_thread(community=community, author=coordinator, title="Second")

    endpoint.refresh_from_db()
    assert not endpoint.active and "2 deliveries in a row failed" in endpoint.disabled_reason
    assert len(receiver.received) == 6  # 3 attempts for each of the two events
    assert {n.recipient for n in Notification.objects.filter(kind="webhook_disabled")} == {
        coordinator,
        other_coordinator,
    }
    assert sorted(m.to[0] for m in mail.outbox if "webhook" in m.subject.lower()) == sorted(
        [coordinator.email, other_coordinator.email]
    )

    with committed():
        make_thread(community=community, author=coordinator, title="Third")
    assert len(receiver.received) == 6  # a disabled endpoint gets nothing


def test_the_disabling_notice_shows_on_the_notifications_page(client, committed, receiver):
    community = CommunityFactory()
    coordinator = coordinator_of(community)
    endpoint = register(receiver, actor=coordinator, community=community, events=["thread.created"])
    receiver.status = 500
    for title in ("One", "Two"):
        with committed():
            make_thread(community=community, author=coordinator, title=title)
    client.force_login(coordinator)
    page = client.get("/notifications/").content.decode()
    assert f"Webhook to {endpoint.url} was disabled" in page


def test_old_delivery_records_are_pruned(receiver, committed):
    community = CommunityFactory()
    coordinator = coordinator_of(community)
    register(receiver, actor=coordinator, community=community, events=["thread.created"])
    with committed():
        make_thread(community=community, author=coordinator)
    Delivery.objects.update(created_at=timezone.now() - timedelta(days=31))
    with committed():
        make_thread(community=community, author=coordinator)
    assert tasks.deliveries_prune.delay().get() == 1
    assert Delivery.objects.count() == 1


def test_a_receiver_that_recovers_gets_the_retry_and_resets_the_count(receiver, committed):
    community = CommunityFactory()
    coordinator = coordinator_of(community)
    endpoint = register(receiver, actor=coordinator, community=community, events=["thread.created"])
    receiver.status = [503, 429, 204]

    with committed():
        make_thread(community=community, author=coordinator)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (DeliveryStatus.SUCCEEDED, 3, 204)
    assert len({entry["payload"]["id"] for entry in receiver.received}) == 1  # one event, retried
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_a_client_error_fails_without_retry(receiver, committed):
    community = CommunityFactory()
    coordinator = coordinator_of(community)
    register(receiver, actor=coordinator, community=community, events=["thread.created"])
    receiver.status = 410

    with committed():
        make_thread(community=community, author=coordinator)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert (delivery.response_code, delivery.response_excerpt) == (410, "receiver says no")


def test_private_content_never_reaches_an_endpoint_whose_creator_lost_access(receiver, committed):
    private = CommunityFactory(visibility="private", join_policy="approval")
    coordinator = coordinator_of(private)
    remover = coordinator_of(private)
    endpoint = register(receiver, actor=coordinator, community=private)
    membership = coordinator.memberships.get(community=private)
    with committed():
        membership_remove(actor=remover, membership=membership)

    with committed():
        make_thread(community=private, author=remover, title="Confidential budget lines")

    assert receiver.received == []
    assert not Delivery.objects.filter(endpoint=endpoint).exists()
    endpoint.refresh_from_db()
    assert not endpoint.active and "no longer coordinates" in endpoint.disabled_reason
    # The remaining coordinator is told; the removed one is not told about a community they left.
    assert {n.recipient for n in Notification.objects.filter(kind="webhook_disabled")} == {remover}


def test_a_delivery_queued_before_the_creator_lost_access_is_skipped_and_the_endpoint_stops(
    receiver, committed, django_capture_on_commit_callbacks
):
    private = CommunityFactory(visibility="private", join_policy="approval")
    coordinator = coordinator_of(private)
    remover = coordinator_of(private)
    endpoint = register(receiver, actor=coordinator, community=private, events=["thread.created"])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        make_thread(community=private, author=remover, title="Confidential budget lines")
    with committed():
        for callback in queued:  # the dispatch runs: the delivery is recorded, its send queued
            callback()
    # (eager tasks ran the send already; re-arrange to check the skip at delivery time)
    Delivery.objects.update(status=DeliveryStatus.PENDING)
    receiver.received.clear()
    with committed():
        membership_remove(actor=remover, membership=coordinator.memberships.get(community=private))
    tasks.deliver.delay(delivery_id=Delivery.objects.get().pk)

    assert receiver.received == []
    assert Delivery.objects.get().status == DeliveryStatus.SKIPPED
    endpoint.refresh_from_db()
    assert not endpoint.active and "no longer coordinates" in endpoint.disabled_reason


def test_site_wide_endpoint_of_staff_gets_every_community_and_stops_when_they_are_not_staff(receiver, committed):
    staff = UserFactory(is_staff=True)
    public, private = CommunityFactory(), CommunityFactory(visibility="private")
    register(receiver, actor=staff, community=None, events=["thread.created"])
    with committed():
        make_thread(community=public, author=coordinator_of(public))
        make_thread(community=private, author=coordinator_of(private))
    assert len(receiver.received) == 2

    staff.is_staff = False
    staff.save()
    with committed():
        make_thread(community=private, author=coordinator_of(private))
    assert len(receiver.received) == 2
    assert "no longer staff" in Endpoint.objects.get().disabled_reason


def test_deactivated_creator_receives_nothing(receiver, committed):
    community = CommunityFactory()
    coordinator = coordinator_of(community)
    register(receiver, actor=coordinator, community=community)
    coordinator.is_active = False
    coordinator.save()
    with committed():
        make_thread(community=community, author=coordinator_of(community))
    assert receiver.received == []
    assert "no longer has an active account" in Endpoint.objects.get().disabled_reason


def test_ping_reaches_the_receiver_signed(receiver, committed):
    community = CommunityFactory()
    coordinator = coordinator_of(community)
    endpoint = register(receiver, actor=coordinator, community=community)
    with committed():
        services.endpoint_ping(actor=coordinator, endpoint=endpoint)
    assert receiver.events() == ["ping"] and receiver.received[0]["verified"]


def test_signature_refuses_another_secret_a_changed_body_and_an_old_timestamp():
    header = signature_header("s3cret", b'{"a":1}', timestamp=1_000_000)
    assert verify("s3cret", b'{"a":1}', header, now=1_000_010)
    assert not verify("other", b'{"a":1}', header, now=1_000_010)
    assert not verify("s3cret", b'{"a":2}', header, now=1_000_010)
    assert not verify("s3cret", b'{"a":1}', header, now=1_000_000 + 301)
    assert not verify("s3cret", b'{"a":1}', "garbage", now=1_000_000)


@pytest.mark.parametrize("status", [DeliveryStatus.SUCCEEDED])
def test_rotating_the_secret_signs_with_the_new_one(receiver, committed, status):
    community = CommunityFactory()
    coordinator = coordinator_of(community)
    endpoint = register(receiver, actor=coordinator, community=community)
    old = endpoint.secret
    endpoint = services.endpoint_rotate_secret(actor=coordinator, endpoint=endpoint)
    assert endpoint.secret != old
    receiver.secret = endpoint.secret
    with committed():
        services.endpoint_ping(actor=coordinator, endpoint=endpoint)
    assert receiver.received[0]["verified"]
    assert Delivery.objects.get().status == status


def test_an_approved_join_request_is_one_member_joined_and_a_pending_one_none(receiver, committed):
    community = CommunityFactory(join_policy="approval", visibility="private")
    coordinator = coordinator_of(community)
    register(receiver, actor=coordinator, community=community, events=["member.joined"])
    applicant = UserFactory(username="applicant")
    with committed():
        request = membership_join(actor=applicant, community=community, message="Hello")
    assert receiver.received == []
    with committed():
        membership_approve(actor=coordinator, membership=request)
    with committed():
        membership_approve(actor=coordinator, membership=request)  # a double click
    assert [e["payload"]["data"]["member"]["username"] for e in receiver.received] == ["applicant"]


def test_a_reply_hidden_before_its_delivery_is_not_sent(receiver, committed, django_capture_on_commit_callbacks):
    community = CommunityFactory()
    coordinator = coordinator_of(community)
    register(receiver, actor=coordinator, community=community, events=["post.created"])
    with committed():
        thread = make_thread(community=community, author=coordinator)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        reply = make_reply(thread=thread, author=MembershipFactory(community=community).user)
    post_hide(actor=coordinator, post=reply, reason="Spam")
    with committed():
        for callback in queued:
            callback()
    assert receiver.received == []
