"""The /notifications/ page: what a member sees, and never what they can no longer see."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from members.models import Notification, User
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def replied(community, active_membership, member, coordinator, django_capture_on_commit_callbacks):
    thread = make_thread(community=community, author=member, title="Chlorination doses")
    with django_capture_on_commit_callbacks(execute=True):
        reply = make_reply(thread=thread, author=coordinator, body="Try 0.5 mg/l")
    return reply


def test_member_sees_reply_notification_and_unread_count_in_nav(client, member, replied):
    client.force_login(member)
    response = client.get(reverse("members:notifications"))
    assert response.status_code == 200
    assert "replied to your thread “Chlorination doses”" in response.content.decode()
    assert 'aria-label="1 unread"' in response.content.decode()


def test_opening_a_notification_marks_it_read_and_goes_to_the_post(client, member, replied):
    client.force_login(member)
    notification = Notification.objects.get(recipient=member)
    response = client.get(reverse("members:notification_open", args=[notification.pk]))
    assert response.status_code == 302
    assert response.url == replied.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_all_read(client, member, replied):
    client.force_login(member)
    client.post(reverse("members:notifications_read_all"))
    assert not Notification.objects.filter(recipient=member, read_at=None).exists()


def test_someone_elses_notification_is_404(client, other_member, replied):
    client.force_login(other_member)
    notification = Notification.objects.first()
    assert client.get(reverse("members:notification_open", args=[notification.pk])).status_code == 404


def test_notification_about_a_private_thread_vanishes_after_leaving(
    client, member, other_member, django_capture_on_commit_callbacks
):
    private = CommunityFactory(visibility="private")
    MembershipFactory(community=private, user=member)
    membership = MembershipFactory(community=private, user=other_member)
    with django_capture_on_commit_callbacks(execute=True):
        make_thread(community=private, author=member, title="Secret budget", body="@otto please review")
    membership.delete()

    client.force_login(other_member)
    response = client.get(reverse("members:notifications"))
    page = response.content.decode()
    assert "Secret budget" not in page
    assert response.context["unread_notifications"] == 0, "the navigation badge must not count what the list hides"
    assert 'class="badge accent"' not in page
    notification = Notification.objects.get(recipient=other_member)
    assert client.get(reverse("members:notification_open", args=[notification.pk])).status_code == 404


def test_the_badge_stops_counting_at_99(client, member, community, active_membership):
    thread = make_thread(community=community, author=member)
    replies = [make_reply(thread=thread, author=User.objects.exclude(pk=member.pk).first()) for _ in range(101)]
    post_type = ContentType.objects.get_for_model(replies[0])
    Notification.objects.bulk_create(
        Notification(recipient=member, kind="reply", target_type=post_type, target_id=r.pk, title="t", url="/")
        for r in replies
    )
    client.force_login(member)
    page = client.get(reverse("members:notifications")).content.decode()
    assert 'aria-label="more than 99 unread">99+</span>' in page


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("members:notifications"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
