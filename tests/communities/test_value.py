"""The value survey, value-creation stories and the Value panel: what members and
coordinators see, and the rules (asked once per period, consent, visibility)."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from communities.data_export import value_answers
from communities.health.snapshots import snapshot_take
from communities.models import SurveyResponse, ValueStory
from communities.reminders.coordinators import community_alerts
from communities.tasks import coordinator_alerts_schedule, send_reminder_batch, value_survey_schedule
from communities.value.cycles import Cycle
from communities.value.panel import decorate_stories
from communities.value.periods import parse_period, period_of
from communities.value.services import survey_settings_save
from communities.value.survey_mail import survey_token, value_survey_plan
from discussions.health import cross_organisation_connections
from discussions.models import Post, Thread
from members.mailing import preferences_save
from members.models import EmailDelivery
from resources.models import Resource
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.communities.value_helpers import answer, long_standing_members, survey_on, this_period
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_practice

pytestmark = pytest.mark.django_db


def health_url(community):
    return reverse("communities:health", kwargs={"slug": community.slug})


def matrix(client, community):
    response = client.get(reverse("communities:value_matrix", kwargs={"slug": community.slug}))
    return response, list(csv.reader(io.StringIO(response.content.decode())))


# --- Periods -----------------------------------------------------------------------------------


def test_periods_follow_the_calendar_for_each_cadence():
    day = date(2026, 11, 29)
    assert period_of(day, "monthly").name == "2026-11"
    assert period_of(day, "quarterly").name == "2026-Q4"
    assert period_of(day, "half_yearly").name == "2026-H2"
    quarter = parse_period("2026-Q4")
    assert (quarter.start, quarter.end, quarter.label) == (date(2026, 10, 1), date(2027, 1, 1), "Q4 2026")
    assert parse_period("2026-13") is None
    assert parse_period("nonsense") is None


# --- Settings ----------------------------------------------------------------------------------


def test_only_coordinators_switch_the_survey_on(community, coordinator, member, active_membership):
    with pytest.raises(PermissionDenied):
        survey_settings_save(actor=member, community=community, enabled=True, cadence="monthly")
    survey = survey_settings_save(actor=coordinator, community=community, enabled=True, cadence="monthly")
    assert survey.enabled and survey.cadence == "monthly"


def test_coordinator_switches_the_survey_on_from_the_health_page(client, community, coordinator):
    client.force_login(coordinator)
    page = client.get(health_url(community)).content.decode()
    assert "Send the value survey to this community" in page
    assert "whether they post or only read" in page  # who is asked, explained
    response = client.post(
        reverse("communities:value_survey_settings", kwargs={"slug": community.slug}),
        {"enabled": "on", "cadence": "monthly"},
        follow=True,
    )
    assert "The value survey is on: every month." in response.content.decode()
    assert community.value_survey.enabled


def test_members_cannot_change_the_survey_settings(client, community, coordinator, member, active_membership):
    client.force_login(member)
    url = reverse("communities:value_survey_settings", kwargs={"slug": community.slug})
    assert client.post(url, {"enabled": "on", "cadence": "monthly"}).status_code == 403


# --- Who is asked, once per period -------------------------------------------------------------


def test_the_survey_goes_once_to_each_long_standing_active_member(community, coordinator):
    survey_on(community, coordinator)
    asked = long_standing_members(community, 3)
    newcomer = MembershipFactory(community=community, joined_at=timezone.now() - timedelta(days=2)).user
    muted = MembershipFactory(community=community, joined_at=timezone.now() - timedelta(days=60), email_muted=True)
    pending = MembershipFactory(community=community, state="pending").user
    no_reminders = long_standing_members(community, 1)[0]
    preferences_save(actor=no_reminders, user=no_reminders, reminders=False)

    value_survey_schedule()

    recipients = {m.to[0] for m in mail.outbox}
    assert recipients == {user.email for user in asked}
    assert not recipients & {newcomer.email, muted.user.email, pending.email, no_reminders.email}
    key = f"value-survey:{community.pk}:{this_period().name}"
    assert set(EmailDelivery.objects.values_list("key", flat=True)) == {key}
    message = mail.outbox[0]
    assert "how valuable was the community to you?" in message.subject
    assert "/value/survey/" in message.body and "?rating=5" in message.body

    mail.outbox.clear()
    value_survey_schedule()  # the next day's tick, or beat firing twice
    assert mail.outbox == []


def test_members_who_already_answered_are_not_asked(community, coordinator):
    survey_on(community, coordinator)
    keen, other = long_standing_members(community, 2)
    answer(community, keen, 4)
    value_survey_schedule()
    assert [m.to[0] for m in mail.outbox] == [other.email]


def test_an_answer_given_after_planning_cancels_the_email(community, coordinator):
    survey_on(community, coordinator)
    (keen,) = long_standing_members(community, 1)
    now = timezone.now()
    ids = value_survey_plan(now)
    answer(community, keen, 5)
    outcome = send_reminder_batch(delivery_ids=ids)
    assert outcome["skipped"] == 1 and mail.outbox == []


def test_no_survey_email_when_switched_off(community, coordinator):
    survey_settings_save(actor=coordinator, community=community, enabled=False, cadence="monthly")
    long_standing_members(community, 2)
    value_survey_schedule()
    assert mail.outbox == []


# --- Answering ---------------------------------------------------------------------------------


def test_the_email_link_asks_to_sign_in_then_opens_the_form_with_the_rating_picked(client, community, coordinator):
    survey_on(community, coordinator)
    (member,) = long_standing_members(community, 1)
    period = this_period()
    link = reverse("communities:value_survey_link", kwargs={"token": survey_token(member, community, period.name)})

    response = client.get(f"{link}?rating=4")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    client.force_login(member)
    response = client.get(f"{link}?rating=4", follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"How valuable was {community.name} to you?" in html
    assert 'value="4" required id="id_rating_3" checked' in html or ('value="4"' in html and "checked" in html)
    assert "What happened in the community?" in html
    assert "Show my name with my story" in html


def test_an_altered_link_is_refused(client, community, coordinator):
    (member,) = long_standing_members(community, 1)
    client.force_login(member)
    token = survey_token(member, community, this_period().name)
    assert client.get(reverse("communities:value_survey_link", kwargs={"token": token[:-2] + "xx"})).status_code == 404


def test_a_member_answers_then_changes_the_answer_until_the_period_closes(client, community, coordinator):
    survey_on(community, coordinator)
    (member,) = long_standing_members(community, 1)
    period = this_period()
    url = reverse("communities:value_survey", kwargs={"slug": community.slug, "period": period.name})
    client.force_login(member)

    response = client.post(url, {"rating": "4", "happened": "Got a tip on handpump spares."}, follow=True)
    assert "Thank you: your answer is saved" in response.content.decode()
    response = client.get(url)
    assert "You answered on" in response.content.decode()
    assert "Got a tip on handpump spares." in response.content.decode()

    client.post(url, {"rating": "5", "happened": "Got a tip.", "did_differently": "Changed our stock list."})
    (saved,) = SurveyResponse.objects.all()
    assert saved.rating == 5
    assert saved.story.furthest_cycle == Cycle.APPLIED
    assert ValueStory.objects.count() == 1  # changed, never asked twice


def test_a_rating_is_required_and_the_story_is_kept_when_it_is_missing(client, community, coordinator):
    survey_on(community, coordinator)
    (member,) = long_standing_members(community, 1)
    client.force_login(member)
    url = reverse("communities:value_survey", kwargs={"slug": community.slug, "period": this_period().name})
    response = client.post(url, {"happened": "Kept text"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert "Kept text" in response.content.decode()


def test_a_closed_period_shows_the_answer_without_the_form(client, community, coordinator):
    survey_on(community, coordinator, cadence="monthly")
    (member,) = long_standing_members(community, 1)
    last_month = period_of(timezone.now().date().replace(day=1) - timedelta(days=1), "monthly")
    SurveyResponse.objects.create(community=community, user=member, period=last_month.name, rating=3)
    client.force_login(member)
    url = reverse("communities:value_survey", kwargs={"slug": community.slug, "period": last_month.name})
    html = client.get(url).content.decode()
    assert "answers can no longer be changed" in html
    assert "3 · Moderately valuable" in html
    assert client.post(url, {"rating": "5"}).status_code == 200
    assert SurveyResponse.objects.get().rating == 3
    with pytest.raises(ValidationError):
        answer(community, member, 5, period=last_month.name)


def test_outsiders_cannot_answer_a_private_communitys_survey(client, coordinator):
    private = CommunityFactory(visibility="hidden", join_policy="invitation")
    boss = MembershipFactory(community=private, role="coordinator").user
    survey_on(private, boss)
    outsider = UserFactory()
    client.force_login(outsider)
    token = survey_token(outsider, private, this_period().name)
    assert client.get(reverse("communities:value_survey_link", kwargs={"token": token})).status_code == 404
    url = reverse("communities:value_survey", kwargs={"slug": private.slug, "period": this_period().name})
    assert client.get(url).status_code == 404


# --- The Value panel ---------------------------------------------------------------------------


@pytest.fixture
def surveyed(community, coordinator):
    survey_on(community, coordinator)
    people = long_standing_members(community, 4, display_name="")
    named = people[0]
    named.display_name = "Nadia Named"
    named.save()
    shy = people[1]
    shy.display_name = "Shy Person"
    shy.save()
    value_survey_schedule()
    answer(
        community,
        named,
        5,
        show_name=True,
        happened="A thread on sand dams.",
        gave_me="A contact in Kitui.",
        did_differently="We sited two dams with her checklist.",
        difference="Both held water through the dry season.",
    )
    answer(community, shy, 3, show_name=False, happened="A webinar.", gave_me="Slides I reuse.")
    snapshot_take(community=community, day=timezone.now().date())
    return named, shy


def test_the_panel_shows_response_rate_average_and_stories_by_furthest_cycle(client, community, coordinator, surveyed):
    client.force_login(coordinator)
    html = client.get(health_url(community)).content.decode()
    assert "Value members get" in html
    for cycle in ("Immediate value", "Potential value", "Applied value", "Realised value", "Reframing value"):
        assert cycle in html
    assert "4.0 of 5" in html
    assert "50% (2 of 4 asked)" in html
    assert "New cross-organisation connections (90 days)" in html
    realised = html.index("Both held water through the dry season.")
    potential = html.index("Slides I reuse.")
    assert realised < potential  # the furthest-reaching story first
    assert "Nadia Named" in html
    assert "Shy Person" not in html
    assert "told by a member" in html
    assert "What you can do:" in html


def test_members_see_only_the_summary_without_stories(client, community, coordinator, surveyed):
    named, _ = surveyed
    client.force_login(named)
    html = client.get(health_url(community)).content.decode()
    assert "At a glance" in html
    assert "Value members get" not in html
    assert "Both held water" not in html
    assert client.get(reverse("communities:value_matrix", kwargs={"slug": community.slug})).status_code == 403
    assert client.get(reverse("communities:value_stories", kwargs={"slug": community.slug})).status_code == 403


def test_the_matrix_puts_indicators_and_story_steps_in_their_cycle_without_names_unless_consented(
    client, community, coordinator, surveyed
):
    client.force_login(coordinator)
    response, rows = matrix(client, community)
    assert response["Content-Type"].startswith("text/csv")
    assert "private" in response["Cache-Control"]
    header = rows[0]
    assert header[3:8] == ["Immediate", "Potential", "Applied", "Realised", "Reframing"]
    by_item = {row[1]: row for row in rows[1:]}
    assert by_item["Documented practices in the library"][header.index("Potential")] == "0"
    stories = [row for row in rows if row[0] == "story"]
    assert stories[0][2] == "Nadia Named"
    assert stories[0][header.index("Realised")] == "Both held water through the dry season."
    assert stories[1][2] == "a member"
    assert "Shy Person" not in response.content.decode()
    (survey_row,) = [row for row in rows if row[0] == "survey"]
    assert "average 4.0 of 5 from 2 answers; 4 asked by email; response rate 50%" in survey_row[-1]


def test_a_story_outlives_its_tellers_deleted_account_without_the_name(client, community, coordinator, surveyed):
    named, _ = surveyed
    named.delete()
    client.force_login(coordinator)
    html = client.get(health_url(community)).content.decode()
    assert "Nadia Named" not in html
    assert "Both held water" in html


def test_a_private_communitys_stories_stay_inside(client, coordinator):
    private = CommunityFactory(visibility="private", join_policy="approval")
    boss = MembershipFactory(community=private, role="coordinator").user
    survey_on(private, boss)
    (insider,) = long_standing_members(private, 1)
    answer(private, insider, 5, show_name=True, happened="Confidential budget trick.")
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(health_url(private)).status_code == 403
    assert client.get(reverse("communities:value_matrix", kwargs={"slug": private.slug})).status_code == 403
    assert client.get(reverse("communities:value_stories", kwargs={"slug": private.slug})).status_code == 403
    hidden = CommunityFactory(visibility="hidden", join_policy="invitation")
    MembershipFactory(community=hidden, role="coordinator")
    assert client.get(reverse("communities:value_matrix", kwargs={"slug": hidden.slug})).status_code == 404


@pytest.mark.parametrize("size", [10, 60])
def test_health_page_with_the_value_panel_keeps_a_fixed_number_of_queries(
    client, community, coordinator, size, django_assert_max_num_queries
):
    survey_on(community, coordinator)
    people = long_standing_members(community, size, organisation="Org")
    thread = make_thread(community=community, author=coordinator, title="Sand dams")
    practice = make_practice(community=community, author=coordinator)
    for number, person in enumerate(people):
        answer(community, person, 1 + number % 5, show_name=number % 2 == 0, happened=f"Story {number}")
        ValueStory.objects.create(
            community=community,
            author=person,
            happened="Helped",
            gave_me="A lot",
            source_type_id=_type_id(thread if number % 2 else practice),
            source_id=(thread if number % 2 else practice).pk,
        )
    snapshot_take(community=community, day=timezone.now().date())
    client.force_login(coordinator)
    # 19 without stories (see test_health_views: 14, 3 for the Value panel, 2 for the Events
    # panel), + 1 per kind of source.
    with django_assert_max_num_queries(21):
        response = client.get(health_url(community))
    assert response.status_code == 200
    assert "Sand dams" in response.content.decode()


def _type_id(obj):
    return ContentType.objects.get_for_model(obj).pk


# --- "This helped me" --------------------------------------------------------------------------


def test_this_helped_me_from_a_thread_links_the_story_to_it(client, community, coordinator, member, active_membership):
    thread = make_thread(community=community, author=coordinator, title="Handpump spares")
    client.force_login(member)
    page = client.get(thread.get_absolute_url()).content.decode()
    story_url = reverse("communities:value_story_new", kwargs={"slug": community.slug}) + f"?source=thread:{thread.pk}"
    assert story_url.replace("&", "&amp;") in page
    form = client.get(story_url).content.decode()
    assert "Handpump spares" in form
    response = client.post(
        story_url, {"source": f"thread:{thread.pk}", "happened": "Found a supplier.", "show_name": "on"}, follow=True
    )
    assert response.redirect_chain[-1][0] == thread.get_absolute_url()
    story = ValueStory.objects.get()
    assert story.source == thread and story.response is None and story.furthest_cycle == Cycle.IMMEDIATE

    client.force_login(coordinator)
    html = client.get(health_url(community)).content.decode()
    assert "helped by the discussion" in html and "Handpump spares" in html


def test_this_helped_me_from_a_practice(client, community, coordinator, member, active_membership):
    practice = make_practice(community=community, author=coordinator, title="Sand dam siting")
    client.force_login(member)
    page = client.get(practice.get_absolute_url()).content.decode()
    assert "This helped me" in page
    url = reverse("communities:value_story_new", kwargs={"slug": community.slug})
    client.post(url, {"source": f"resource:{practice.pk}", "happened": "Read it.", "did_differently": "Used it."})
    story = ValueStory.objects.get()
    assert story.source == practice and story.furthest_cycle == Cycle.APPLIED


def test_a_story_needs_at_least_what_happened(client, community, coordinator, member, active_membership):
    client.force_login(member)
    url = reverse("communities:value_story_new", kwargs={"slug": community.slug})
    response = client.post(url, {"gave_me": "Something"})
    assert response.status_code == 400
    assert "Something" in response.content.decode()
    assert not ValueStory.objects.exists()


def test_a_hidden_threads_title_is_not_shown_with_the_story(client, community, coordinator, member, active_membership):
    thread = make_thread(community=community, author=coordinator, title="Secret recipe")
    client.force_login(member)
    url = reverse("communities:value_story_new", kwargs={"slug": community.slug})
    client.post(url, {"source": f"thread:{thread.pk}", "happened": "It helped."})
    Thread.objects.filter(pk=thread.pk).update(hidden_at=timezone.now())
    client.force_login(coordinator)
    html = client.get(reverse("communities:value_stories", kwargs={"slug": community.slug})).content.decode()
    assert "It helped." in html
    # A coordinator may see hidden threads in their community; a member who may not gets no title.
    (story,) = decorate_stories(list(ValueStory.objects.all()), member)
    assert story.source_link is None


def test_a_source_from_another_or_private_community_is_refused(
    client, community, coordinator, member, active_membership
):
    private = CommunityFactory(visibility="private", join_policy="approval")
    insider = MembershipFactory(community=private, role="coordinator").user
    secret = make_thread(community=private, author=insider, title="Private matter")
    client.force_login(member)
    url = reverse("communities:value_story_new", kwargs={"slug": community.slug})
    assert client.get(f"{url}?source=thread:{secret.pk}").status_code == 404
    assert client.post(url, {"source": f"thread:{secret.pk}", "happened": "x"}).status_code == 404
    assert client.get(reverse("communities:value_story_new", kwargs={"slug": private.slug})).status_code == 403


def test_non_members_are_told_to_join_before_telling_a_story(client, community, coordinator, other_member):
    client.force_login(other_member)
    response = client.get(reverse("communities:value_story_new", kwargs={"slug": community.slug}))
    assert response.status_code == 403
    assert "Join this community to tell a value-creation story." in response.content.decode()


# --- Practices due for review ------------------------------------------------------------------


def test_the_owner_sees_the_practice_is_due_for_review_and_marks_it_reviewed(
    client, community, coordinator, member, active_membership
):
    overdue = timezone.localdate() - timedelta(days=10)
    practice = make_practice(community=community, author=coordinator, owner=member, review_by=overdue)
    client.force_login(member)
    html = client.get(practice.get_absolute_url()).content.decode()
    assert "You own this practice: it has been due for review since" in html
    assert overdue.strftime("%-d %B %Y") in html
    assert "Edit the practice" in html
    url = reverse("resources:mark_reviewed", kwargs={"community_slug": community.slug, "resource_id": practice.pk})
    response = client.post(url, follow=True)
    assert "Marked reviewed" in response.content.decode()
    practice.refresh_from_db()
    assert practice.review_by == timezone.localdate() + timedelta(days=365)
    assert "due for review since" not in client.get(practice.get_absolute_url()).content.decode()


def test_readers_see_no_review_action(client, community, coordinator, member, active_membership):
    practice = make_practice(
        community=community, author=coordinator, owner=coordinator, review_by=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(member)
    html = client.get(practice.get_absolute_url()).content.decode()
    assert "Mark reviewed" not in html
    url = reverse("resources:mark_reviewed", kwargs={"community_slug": community.slug, "resource_id": practice.pk})
    assert client.post(url).status_code == 403


def test_coordinators_are_alerted_when_an_overdue_practices_owner_has_left(community, coordinator, member):
    membership = MembershipFactory(community=community, user=member)
    overdue = timezone.localdate() - timedelta(days=30)
    make_practice(community=community, author=coordinator, owner=member, review_by=overdue, title="Kept")
    orphan = make_practice(community=community, author=coordinator, review_by=overdue, title="Orphan")
    Resource.objects.filter(pk=orphan.pk).update(owner=None)  # its owner's account was deleted
    make_practice(community=community, author=coordinator, owner=member, title="Not due")
    alerts = community_alerts([community.pk], timezone.now())
    texts = [item.text for item in alerts.get(community.pk, [])]
    assert "1 practice past its review date whose owner has left: give it a new owner or review it" in texts

    membership.state = "banned"
    membership.save()
    alerts = community_alerts([community.pk], timezone.now())
    texts = [item.text for item in alerts[community.pk]]
    assert "2 practices past their review date whose owner has left: give them a new owner or review them" in texts


def test_the_coordinator_email_names_ownerless_overdue_practices(community, coordinator):
    practice = make_practice(
        community=community, author=coordinator, review_by=timezone.localdate() - timedelta(days=3)
    )
    Resource.objects.filter(pk=practice.pk).update(owner=None)
    community.critical_mass = 1
    community.save()
    make_reply(thread=make_thread(community=community, author=coordinator), author=coordinator)
    coordinator_alerts_schedule()
    (alert,) = [m for m in mail.outbox if m.to == [coordinator.email]]
    assert "practice past its review date whose owner has left" in alert.body


def test_a_members_data_export_holds_their_answers_and_stories(community, coordinator):
    survey_on(community, coordinator)
    (member,) = long_standing_members(community, 1)
    answer(community, member, 4, happened="A tip.", show_name=True)
    rows = list(value_answers(member, None))
    assert [row["kind"] for row in rows] == ["survey_answer", "story"]
    assert rows[0]["rating"] == 4 and rows[1]["what_happened"] == "A tip."


def test_coordinators_remove_a_story_and_other_members_cannot(
    client, community, coordinator, member, active_membership
):
    teller = long_standing_members(community, 1)[0]
    client.force_login(teller)
    client.post(reverse("communities:value_story_new", kwargs={"slug": community.slug}), {"happened": "Off topic."})
    story = ValueStory.objects.get()
    url = reverse("communities:value_story_remove", kwargs={"slug": community.slug, "story_id": story.pk})
    client.force_login(member)
    assert client.post(url).status_code == 403
    client.force_login(coordinator)
    response = client.post(url, follow=True)
    assert "The story was removed." in response.content.decode()
    assert not ValueStory.objects.exists()


def test_new_cross_organisation_connections_count_first_replies_between_organisations(community, coordinator):
    water, city, water_too = (
        MembershipFactory(community=community, user=UserFactory(organisation=org)).user
        for org in ("Water Board", "City Council", "water board")
    )
    old = make_thread(community=community, author=water, title="Old")
    Post.objects.filter(pk=make_reply(thread=old, author=city).pk).update(
        created_at=timezone.now() - timedelta(days=200)
    )
    thread = make_thread(community=community, author=water, title="New")
    opening = thread.posts.get(is_opening=True)
    make_reply(thread=thread, author=city, parent=opening)  # met long ago: not new
    make_reply(thread=thread, author=water_too, parent=opening)  # same organisation: not across
    make_reply(thread=thread, author=coordinator, parent=opening)  # no organisation stated: left out
    assert cross_organisation_connections(community, timezone.now() - timedelta(days=90)) == 0
    newcomer = MembershipFactory(community=community, user=UserFactory(organisation="NGO")).user
    make_reply(thread=thread, author=newcomer, parent=opening)
    assert cross_organisation_connections(community, timezone.now() - timedelta(days=90)) == 1
