"""The value survey's full cycle against a real Celery worker, the real Redis and an SMTP
sink: beat's task -> one email per asked member -> the email's link opens the form -> the
answer is saved -> the Value panel shows the response rate and the average -> the task again
sends nothing more. Postgres only (the worker reads what the test commits)."""

import re
import time
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from communities.models import SurveyResponse
from members.models import EmailDelivery
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.communities.value_helpers import long_standing_members, survey_on, this_period
from tests.engagement.conftest import queue, sink, start_worker, tasks  # noqa: F401 - fixtures
from tests.engagement.test_with_worker import parts
from tests.engagement.worker import wait_until_all_final

pytestmark = pytest.mark.integration
LINK = re.compile(r"https?://\S+/value/survey/[^/\s]+/")


def ran(log_path, times: int, timeout: float = 30) -> None:
    """Wait until the worker's log says value_survey_schedule succeeded `times` times."""
    deadline = time.monotonic() + timeout
    pattern = re.compile(r"Task communities\.tasks\.value_survey_schedule\[[^\]]+\] succeeded")
    while time.monotonic() < deadline:
        if len(pattern.findall(log_path.read_text())) >= times:
            return
        time.sleep(0.1)
    raise AssertionError(f"value_survey_schedule did not run {times} times:\n{log_path.read_text()[-2000:]}")


def test_value_survey_full_cycle_with_a_real_worker(start_worker, sink, tasks, client, tmp_path):  # noqa: F811
    community = CommunityFactory(name="Water Security", slug="water")
    coordinator = MembershipFactory(community=community, role="coordinator").user
    survey_on(community, coordinator)
    members = long_standing_members(community, 3)
    start_worker()

    tasks.send("communities.tasks.value_survey_schedule")
    ran(tmp_path / "worker.log", times=1)
    assert sink.wait_for(3, timeout=30)
    wait_until_all_final()
    assert sorted(m["To"] for m in sink.messages) == sorted(u.email for u in members)
    key = f"value-survey:{community.pk}:{this_period().name}"
    assert set(EmailDelivery.objects.values_list("key", "state")) == {(key, "sent")}

    answering = members[0]
    (message,) = sink.to(answering.email)
    assert "how valuable was the community to you?" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = urlparse(LINK.search(parts(message)["text/plain"]).group(0)).path

    client.force_login(answering)
    form_page = client.get(link, follow=True)
    assert "How valuable was Water Security to you?" in form_page.content.decode()
    survey_url = form_page.redirect_chain[-1][0]
    saved = client.post(
        survey_url,
        {"rating": "4", "happened": "A thread on spares.", "did_differently": "We changed suppliers."},
        follow=True,
    )
    assert "Thank you: your answer is saved" in saved.content.decode()
    assert SurveyResponse.objects.get(user=answering).rating == 4

    client.force_login(coordinator)
    panel = client.get(reverse("communities:health", kwargs={"slug": community.slug})).content.decode()
    assert "4.0 of 5" in panel
    assert "33% (1 of 3 asked)" in panel
    assert "We changed suppliers." in panel

    tasks.send("communities.tasks.value_survey_schedule")  # the next day's tick
    ran(tmp_path / "worker.log", times=2)
    wait_until_all_final()
    assert sink.count() == 3  # nobody asked twice, the member who answered included
    assert EmailDelivery.objects.count() == 3
