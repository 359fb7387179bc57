"""Releases and upgrades: one version in the code, a changelog that names it, and
`manage.py upgrade` (make upgrade) doing each step only when needed, safe to run twice; members
who predate email preferences are not silently subscribed by an upgrade."""

import re
import tomllib
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from communities.models import HealthSnapshot
from cop_platform import __version__
from discussions.models import Thread
from members.models import EmailPreferences, User
from tests.communities.factories import CommunityFactory
from tests.discussions.factories import make_thread

BASE_DIR = Path(__file__).resolve().parent.parent
BEFORE_EMAIL_PREFERENCES = ("members", "0003_search_vector")
EMAIL_PREFERENCES = ("members", "0004_email_preferences_and_deliveries")


def test_one_version_in_the_code_the_package_and_the_changelog():
    pyproject = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
    changelog = (BASE_DIR / "CHANGELOG.md").read_text()

    assert pyproject["project"]["version"] == __version__
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+)?", __version__)
    assert "## [Unreleased]" in changelog
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", changelog, re.M)
    assert released, "the changelog names at least one release with its date"
    # A development version is the next release's: newer than every released one.
    assert tuple(map(int, __version__.split(".")[:3])) > max(tuple(map(int, v.split("."))) for v in released)


def upgrade() -> str:
    output = StringIO()
    call_command("upgrade", stdout=output)
    print(output.getvalue())
    return output.getvalue()


@pytest.mark.django_db
def test_upgrade_does_what_is_needed_then_nothing_the_second_time(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.SITE_URL, settings.SITE_NAME = "https://cop.example.net", "Practice Hub"
    community = CommunityFactory(slug="water")

    first = upgrade()

    assert re.search(r"Static files: \d+ copied", first)
    assert "Sites record: cop.example.net (Practice Hub)" in first
    assert "Health figures backfilled for 1 community that had none" in first
    assert HealthSnapshot.objects.filter(community=community).exists()
    assert Site.objects.get_current().domain == "cop.example.net"

    second = upgrade()

    assert "Nothing to do: this installation is up to date." in second
    assert "- " not in second


@pytest.mark.django_db
def test_upgrade_rebuilds_a_search_index_left_empty_by_an_older_release(settings, tmp_path, member, active_membership):
    if connection.vendor != "postgresql":
        pytest.skip("stored search vectors exist only on Postgres (SQLite searches without an index)")
    for n in range(3):
        make_thread(community=active_membership.community, author=member, title=f"Sand dams {n}")
    # What a release before search leaves: rows without a vector.
    Thread.objects.update(search_vector=None)
    settings.STATIC_ROOT = tmp_path / "static"

    first = upgrade()

    assert "Search index rebuilt (out of date: Threads)" in first
    assert not Thread.objects.filter(search_vector=None).exists()
    assert "Search index" not in upgrade()


@pytest.mark.django_db
def test_upgrade_notices_a_changed_search_configuration(settings, tmp_path, member, active_membership):
    if connection.vendor != "postgresql":
        pytest.skip("stored search vectors exist only on Postgres")
    make_thread(community=active_membership.community, author=member, title="Running pumps in drought seasons")
    settings.STATIC_ROOT = tmp_path / "static"
    upgrade()
    settings.SEARCH_CONFIG = "simple"  # no stemming: "running" stays "running"

    assert "Search index rebuilt" in upgrade()


@pytest.mark.django_db(transaction=True)
def test_members_from_before_email_preferences_get_no_new_email_until_they_choose(settings, tmp_path):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_EMAIL_PREFERENCES])
    old_apps = executor.loader.project_state([BEFORE_EMAIL_PREFERENCES]).apps
    OldUser = old_apps.get_model("members", "User")
    for name in ("early", "earlier"):
        OldUser.objects.create(username=name, email=f"{name}@example.org")

    # The release with email preferences is applied; someone signs up before the next step.
    executor = MigrationExecutor(connection)
    executor.migrate([EMAIL_PREFERENCES])
    OldUser = executor.loader.project_state([EMAIL_PREFERENCES]).apps.get_model("members", "User")
    OldUser.objects.create(username="newcomer", email="newcomer@example.org")
    settings.STATIC_ROOT = tmp_path / "static"

    report = upgrade()

    assert "2 members who predate email preferences get no member email until they choose" in report

    quiet = {prefs.user.username: prefs for prefs in EmailPreferences.objects.select_related("user")}
    print(f"members before email preferences=2 kept quiet={len(quiet)}")
    assert set(quiet) == {"early", "earlier"}
    for prefs in quiet.values():
        assert (prefs.replies, prefs.mentions, prefs.digest_frequency) == ("off", "off", "off")
        assert (prefs.reminders, prefs.coordinator_alerts) == (False, False)
    # Who joined after email preferences came keeps the defaults (weekly digest, replies at once).
    newcomer = User.objects.get(username="newcomer")
    assert not EmailPreferences.objects.filter(user=newcomer).exists()
