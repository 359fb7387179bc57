"""Claiming recorded emails for sending: each goes to one worker, a dead worker's claim is
taken over after EMAIL_CLAIM_TIMEOUT, finished ones are never taken again."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from members.mailing import claim_deliveries, claim_delivery, finish_delivery
from members.models import DeliveryState, EmailDelivery, EmailKind
from members.tasks import prune_email_deliveries
from tests.members.factories import UserFactory


def _deliveries(count, **fields):
    return [
        EmailDelivery.objects.create(recipient=UserFactory(), kind="digest", key=f"digest:test:{index}", **fields)
        for index in range(count)
    ]


@pytest.mark.django_db
def test_claiming_takes_pending_and_abandoned_deliveries_only(settings):
    settings.EMAIL_CLAIM_TIMEOUT = 600
    [pending] = _deliveries(1)
    [abandoned] = _deliveries(1, state="sending", claimed_at=timezone.now() - timedelta(hours=1), attempts=1)
    [busy] = _deliveries(1, state="sending", claimed_at=timezone.now(), attempts=1)
    [sent] = _deliveries(1, state="sent")

    claimed = claim_deliveries([pending.pk, abandoned.pk, busy.pk, sent.pk])

    assert [d.pk for d in claimed] == [pending.pk, abandoned.pk]
    assert [d.attempts for d in claimed] == [1, 2]
    assert all(d.state == "sending" and d.recipient.email for d in claimed)
    assert claim_deliveries([pending.pk, abandoned.pk]) == []  # ours now: nobody else's
    assert claim_delivery(sent.pk) is None


@pytest.mark.django_db
def test_a_finished_delivery_records_how_it_ended():
    [delivery] = _deliveries(1)
    delivery = claim_delivery(delivery.pk)
    finish_delivery(delivery, state=DeliveryState.SENT, subject="Your weekly digest", summary="4 threads")
    delivery.refresh_from_db()
    assert (delivery.state, delivery.subject, delivery.summary) == ("sent", "Your weekly digest", "4 threads")
    assert delivery.sent_at is not None
    assert claim_delivery(delivery.pk) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED and concurrent writers need Postgres")
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_the_same_batch_never_share_a_delivery():
    ids = [delivery.pk for delivery in _deliveries(40)]
    results: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def worker(slot):
        try:
            start.wait()
            for _ in range(4):
                results[slot] += [d.pk for d in claim_deliveries(ids)]
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not set(results[0]) & set(results[1])
    assert sorted(results[0] + results[1]) == sorted(ids)
    assert set(EmailDelivery.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_old_finished_deliveries_are_pruned_and_unfinished_ones_kept(settings, member):
    settings.EMAIL_DELIVERY_RETENTION_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    recent = timezone.now() - timedelta(days=29)
    rows = {
        (state, label): EmailDelivery.objects.create(
            recipient=member, kind=EmailKind.DIGEST, key=f"digest:test:{state}:{label}", state=state, created_at=when
        )
        for state in (
            DeliveryState.SENT,
            DeliveryState.SKIPPED,
            DeliveryState.FAILED,
            DeliveryState.PENDING,
            DeliveryState.SENDING,
        )  # fmt: skip
        for label, when in (("old", old), ("recent", recent))
    }

    assert prune_email_deliveries.apply().get() == 3

    kept = set(EmailDelivery.objects.values_list("pk", flat=True))
    for (state, label), row in rows.items():
        finished = state in (DeliveryState.SENT, DeliveryState.SKIPPED, DeliveryState.FAILED)
        assert (row.pk in kept) == (label == "recent" or not finished), (state, label)


def test_beat_prunes_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["prune-email-deliveries"]
    assert entry["task"] == prune_email_deliveries.name
