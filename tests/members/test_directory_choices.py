"""The member directory's Discipline, Country and Language filters are read once and kept in the
cache (members/directory_choices.py): a visitor never sees a value only members-only profiles
hold, a new value shows within the bound, and the page's queries do not grow with the members."""

import time
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.directory_choices import DIRECTORY_CHOICES_SECONDS
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("members:directory")


def offered(response, field) -> set[str]:
    return {value for value, _label in response.context["form"].fields[field].choices if value}


def choice_reads(captured) -> list:
    return [query for query in captured.captured_queries if query["sql"].startswith('SELECT DISTINCT "members_user"')]


def test_a_visitor_never_gets_the_members_list_of_choices_even_once_a_member_warmed_it(client, member):
    UserFactory(
        username="open_olu", discipline="Hydrology", country="KE", languages="Swahili", profile_visibility="public"
    )
    UserFactory(username="quiet_qin", discipline="Forensic accounting", country="IS", languages="Icelandic")
    client.force_login(member)
    as_member = client.get(URL)
    client.logout()

    as_visitor = client.get(URL)

    assert {"Hydrology", "Forensic accounting"} <= offered(as_member, "discipline")
    assert "IS" in offered(as_member, "country") and "Icelandic" in offered(as_member, "language")
    assert offered(as_visitor, "discipline") == {"Hydrology"}
    assert offered(as_visitor, "country") == {"KE"}
    assert offered(as_visitor, "language") == {"Swahili"}
    assert "Forensic accounting" not in as_visitor.content.decode()


def test_the_choices_are_read_once_then_kept(client, member):
    client.force_login(member)
    with CaptureQueriesContext(connection) as first:
        client.get(URL)
    with CaptureQueriesContext(connection) as again:
        client.get(URL)

    assert len(choice_reads(first)) == 3  # discipline, country, language
    assert choice_reads(again) == []


def test_a_newly_declared_discipline_reaches_the_filter_within_the_bound(client, member):
    client.force_login(member)
    client.get(URL)
    UserFactory(username="new_nia", discipline="Glaciology")
    assert "Glaciology" not in offered(client.get(URL), "discipline")  # kept: not read again yet

    later = time.time() + DIRECTORY_CHOICES_SECONDS + 1
    with mock.patch("django.core.cache.backends.locmem.time.time", return_value=later):
        assert "Glaciology" in offered(client.get(URL), "discipline")
    assert DIRECTORY_CHOICES_SECONDS <= 300


@pytest.mark.parametrize("size", [5, 200])
@pytest.mark.parametrize("signed_in", [False, True])
def test_directory_queries_do_not_grow_with_members(client, member, size, signed_in, django_assert_max_num_queries):
    for number in range(size):
        UserFactory(
            username=f"m{number}",
            discipline=f"Discipline {number}",
            languages=f"Lang{number}",
            profile_visibility="public",
        )
    if signed_in:
        client.force_login(member)
    client.get(URL)  # the navigation badge and the choices, kept

    with django_assert_max_num_queries(10):
        response = client.get(URL)

    assert response.status_code == 200
    assert len(offered(response, "discipline")) == size + (1 if signed_in else 0)
