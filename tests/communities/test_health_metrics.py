"""Health figures computed on arranged history with known answers."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from communities.health.metrics import compute_figures, gini_simpson
from communities.health.snapshots import snapshot_take, snapshots_take_all
from communities.models import HealthSnapshot
from communities.services import membership_leave
from communities.tasks import take_health_snapshots
from discussions.services.reacting import answer_accept, reaction_toggle
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.communities.health_helpers import at, members, question
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_link, make_practice

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(community, coordinator):
    return members(community, 4)


def test_twelve_questions_nine_answered_within_48_hours_median_first_reply_five_hours(community, people):
    asker, answerer, third, _ = people
    start = timezone.now() - timedelta(days=10)
    hours = [1, 2, 3, 4, 5, 5, 6, 7, 8, 60, 72]  # median 5; nine within 48 hours
    replies = []
    for n, wait in enumerate(hours):
        _, reply = question(
            community=community,
            asker=asker,
            answerer=answerer,
            asked_at=start + timedelta(hours=n),
            reply_after_hours=wait,
        )
        replies.append(reply)
    # The twelfth gets only its asker's own follow-up: not an answer.
    unanswered, _ = question(community=community, asker=asker, asked_at=start + timedelta(hours=20))
    at(make_reply(thread=unanswered, author=asker, body="Anyone?"), start + timedelta(hours=21))
    # Someone else's later reply to an answered question does not change its first reply time.
    at(make_reply(thread=replies[0].thread, author=third), start + timedelta(hours=30))
    for reply in replies[:3]:
        answer_accept(actor=asker, post=reply)

    figures = compute_figures(community, timezone.now().date())

    assert figures["questions_30d"] == 12
    assert figures["answered_48h_30d"] == 9
    assert figures["first_reply_median_hours_30d"] == 5
    assert figures["accepted_30d"] == 3


def test_questions_older_than_30_days_leave_the_window(community, people):
    asker, answerer, *_ = people
    question(
        community=community,
        asker=asker,
        answerer=answerer,
        asked_at=timezone.now() - timedelta(days=40),
        reply_after_hours=2,
    )
    assert compute_figures(community, timezone.now().date())["questions_30d"] == 0


def test_active_members_count_posts_replies_reactions_and_resources_in_the_window(community, coordinator, people):
    poster, reactor, librarian, quiet = people
    old = at(make_thread(community=community, author=poster), timezone.now() - timedelta(days=60))
    reply = make_reply(thread=old, author=coordinator)
    reaction_toggle(actor=reactor, post=reply, kind="thanks")
    make_link(community=community, author=librarian)

    figures = compute_figures(community, timezone.now().date())

    # The poster's thread is 60 days old: active in 90 days, not in 30.
    assert figures["active_30d"] == 3  # coordinator, reactor, librarian
    assert figures["active_90d"] == 4
    assert figures["members_total"] == 5
    assert figures["only_read_90d"] == 2  # the quiet member and the reactor (reacting is not authoring)
    assert figures["occasional_90d"] == 3
    assert figures["regular_90d"] == 0


def test_participation_mix_and_concentration(community, coordinator, people):
    regular, occasional, *_ = people
    thread = make_thread(community=community, author=regular)
    for _ in range(8):
        make_reply(thread=thread, author=regular)
    make_reply(thread=thread, author=occasional)

    figures = compute_figures(community, timezone.now().date())

    assert (figures["regular_90d"], figures["occasional_90d"], figures["only_read_90d"]) == (1, 1, 3)
    assert figures["top_share_90d"] == 90  # 9 of the 10 posts came from the top author


def test_reach_counts_and_diversity_among_active_members(community):
    kenyans = members(community, 2, country="KE", discipline="Hydrology", organisation="Water Board")
    senegalese = members(community, 2, country="SN", discipline="Hydrology", organisation="")
    members(community, 3, country="FR")  # never active: not in the reach
    thread = make_thread(community=community, author=kenyans[0])
    for person in [*kenyans[1:], *senegalese]:
        make_reply(thread=thread, author=person)
    elsewhere = CommunityFactory()
    MembershipFactory(community=elsewhere, user=senegalese[0])

    figures = compute_figures(community, timezone.now().date())

    assert figures["reach"]["country"] == {"KE": 2, "SN": 2}
    assert figures["diversity_country"] == 0.5
    assert figures["diversity_discipline"] == 0  # all hydrologists
    assert figures["reach"]["organisation"] == {"Water Board": 2, "Not stated": 2}
    assert figures["cross_community_90d"] == 1


def test_daily_counts_and_results(community, coordinator, people):
    author, *_ = people
    yesterday = timezone.now() - timedelta(days=1)
    thread = make_thread(community=community, author=author)
    make_reply(thread=thread, author=coordinator)
    at(make_thread(community=community, author=author), yesterday)
    make_practice(community=community, author=author)

    figures = compute_figures(community, timezone.now().date())

    assert (figures["threads"], figures["posts"], figures["resources"]) == (1, 1, 1)
    assert figures["practices_total"] == 1
    assert figures["resource_views"] == 0
    past = compute_figures(community, yesterday.date())
    assert past["threads"] == 1
    assert past["resource_views"] is None  # running counters have no history


def test_joining_and_leaving_are_counted_on_their_day(community, coordinator, member):
    MembershipFactory(community=community, user=member)
    figures = compute_figures(community, timezone.now().date())
    assert (figures["members_joined"], figures["members_left"], figures["members_total"]) == (2, 0, 2)

    membership_leave(actor=member, community=community)

    figures = compute_figures(community, timezone.now().date())
    assert (figures["members_left"], figures["members_total"]) == (1, 1)


def test_gini_simpson():
    assert gini_simpson([]) is None
    assert gini_simpson([5]) == 0
    assert gini_simpson([1, 1, 1, 1]) == 0.75


def test_a_snapshot_taken_twice_is_one_row_with_the_latest_figures(community, coordinator):
    today = timezone.now().date()
    snapshot_take(community=community, day=today)
    make_thread(community=community, author=coordinator)
    snapshot_take(community=community, day=today)

    snapshots = HealthSnapshot.objects.filter(community=community)
    assert snapshots.count() == 1
    assert snapshots.get().figures["threads"] == 1


def test_the_nightly_task_snapshots_yesterday_and_today_for_every_community(community, coordinator):
    CommunityFactory()
    take_health_snapshots.delay()
    take_health_snapshots.delay()  # a retry changes nothing
    today = timezone.now().date()
    assert HealthSnapshot.objects.count() == 4
    assert set(HealthSnapshot.objects.values_list("day", flat=True)) == {today, today - timedelta(days=1)}
    assert snapshots_take_all() == 2


def test_backfill_rebuilds_past_days_from_history(community, coordinator, capsys):
    past = timezone.now() - timedelta(days=20)
    community.created_at = timezone.now() - timedelta(days=40)
    community.save(update_fields=["created_at"])
    at(make_thread(community=community, author=coordinator), past)

    call_command("backfill_health", days=30, community=community.slug)

    assert HealthSnapshot.objects.filter(community=community).count() == 30
    assert HealthSnapshot.objects.get(community=community, day=past.date()).figures["threads"] == 1
    assert HealthSnapshot.objects.get(community=community, day=past.date() - timedelta(days=1)).figures["threads"] == 0
    output = capsys.readouterr()
    assert "30 daily snapshots computed for 1 community" in output.out
    assert "100% 30/30" in output.err  # the progress bar


def test_backfill_starts_at_the_communitys_creation(community):
    call_command("backfill_health", days=10, quiet=True)
    assert HealthSnapshot.objects.filter(community=community).count() == 1  # created today


def test_backfill_refuses_an_unknown_community(db):
    with pytest.raises(CommandError, match="No community"):
        call_command("backfill_health", community="nowhere")


def test_members_are_unknown_users_of_nothing(db):
    UserFactory()  # a platform with no community: the task has nothing to do
    assert snapshots_take_all() == 0


def test_beat_runs_the_snapshot_task_every_night(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["health-snapshots"]
    assert entry["task"] == take_health_snapshots.name == "communities.tasks.take_health_snapshots"
    assert entry["schedule"].hour == {0}
