"""Deleting an account leaves no name behind: after Carmen deletes hers, her name, username and
address are found nowhere in the database except inside the post where another member quoted
her (and that post's revisions), and the pages others see say "a former member".

The scan reads every text, char and JSON column of every table (and, on Postgres, every
tsvector column), so a new table that copies a member's name into its rows fails this test.
"""

from datetime import date

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Cast
from django.urls import reverse

from communities.health.snapshots import snapshot_take
from communities.models import Invitation
from communities.services import invitation_accept, invitation_create, membership_approve, membership_join
from discussions.models import PostRevision
from discussions.services.posting import post_edit
from discussions.services.reacting import reaction_toggle
from members.models import EmailDelivery, Notification
from tests.admin_helpers import result_table
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_file_resource, pdf

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
NAME = "Carmen Zyxwvut López"
USERNAME = "carmen-zyx"
EMAIL = "carmen.q7k2@lopez-mail.example"
NEEDLES = ("Zyxwvut", USERNAME, EMAIL)
QUOTE = f"@{USERNAME} put it best:\n\n> {NAME} said: line the spillway with stone."


@pytest.fixture(autouse=True)
def _library_files_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "resources": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "library")},
        },
    }


def text_columns(model):
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField, models.JSONField))
    ]


def rows_naming(needles) -> set[tuple[str, str, object]]:
    """(model label, column, primary key) of every row with a needle in a text, char or JSON
    column of any table, and on Postgres in any tsvector column."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in text_columns(model):
            match = Q()
            for needle in needles:
                match |= Q(scanned__icontains=needle)
            rows = model._base_manager.annotate(scanned=Cast(field.name, models.TextField())).filter(match)
            found |= {(model._meta.label, field.column, pk) for pk in rows.values_list("pk", flat=True)}
    if connection.vendor == "postgresql":
        found |= tsvector_rows_naming(needles)
    return found


def tsvector_rows_naming(needles) -> set[tuple[str, str, object]]:
    tables = {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'tsvector' AND table_schema = current_schema()"
        )
        columns = cursor.fetchall()
        found = set()
        for table, column in columns:
            pk = tables[table]._meta.pk.column
            cursor.execute(
                f'SELECT "{pk}" FROM "{table}" WHERE "{column}"::text ILIKE ANY(%s)',  # noqa: S608 (catalogue names)
                [[f"%{needle.lower()}%" for needle in needles]],
            )
            found |= {(tables[table]._meta.label, column, row[0]) for row in cursor.fetchall()}
    assert columns, "the search vectors are tsvector columns on Postgres"
    return found


def test_a_deleted_members_name_survives_only_where_others_quoted_her(client, committed):
    water = CommunityFactory(name="Water Security", slug="water-security")
    cora = coordinator_of(water, user=UserFactory(username="cora", display_name="Cora Mendes"))
    rain = CommunityFactory(name="Rain Harvest", slug="rain-harvest")
    coordinator_of(rain, user=UserFactory(username="dana", display_name="Dana Osei"))
    bob = UserFactory(username="bob", display_name="Bob Ngugi")
    MembershipFactory(community=water, user=bob)
    carmen = UserFactory(
        username=USERNAME, display_name=NAME, first_name="Carmen", last_name="Zyxwvut López", email=EMAIL
    )
    MembershipFactory(community=rain, user=carmen, role="coordinator")

    with committed():
        # Cora invites Carmen's address; she accepts. She invites someone to Rain Harvest.
        invitation = invitation_create(actor=cora, community=water, email=EMAIL)
        invitation_accept(actor=carmen, token=invitation.token)
        invitation_create(actor=carmen, community=rain, email="newcomer@example.org", message="Join us!")
    with committed():
        sand_dams = make_thread(community=water, author=bob, title="Sand dams")
    with committed():
        # Bob wants replies by email at once (the default): this one email names her in its subject.
        make_reply(thread=sand_dams, author=carmen, body="I built three of these. @bob, see my drawings.")
    subjects = list(EmailDelivery.objects.filter(recipient=bob).values_list("subject", flat=True))
    assert any(NAME in subject for subject in subjects), subjects
    with committed():
        logbooks = make_thread(community=water, author=carmen, title="Borehole logbooks", body="Weekly levels.")
        bob_reply = make_reply(thread=logbooks, author=bob, body="We log them daily.")
        make_reply(thread=logbooks, author=carmen, body="Daily is better, agreed.")
        reaction_toggle(actor=carmen, post=bob_reply, kind="helpful")
        quote = make_reply(thread=sand_dams, author=bob, body=QUOTE)
        post_edit(actor=bob, post=quote, body=QUOTE + "\n\nWorth reading twice.")
        make_file_resource(community=water, author=carmen, title="Spillway drawings", upload=pdf("spillway.pdf"))
    # A join request with her words, approved by the coordinator (an audit entry about her).
    wells = CommunityFactory(name="Wells", slug="wells", join_policy="approval")
    coordinator_of(wells, user=cora)
    with committed():
        request = membership_join(actor=carmen, community=wells, message=f"I am {NAME}, a driller.")
        membership_approve(actor=cora, membership=request)
    client.force_login(bob)
    with committed():
        client.post(reverse("digest_send_now"))  # a digest listing her threads and her as a new member
    assert EmailDelivery.objects.filter(recipient=bob, kind="digest").exists()
    client.logout()
    client.post(reverse("account_reset_password"), {"email": EMAIL})  # an account email to her
    LogEntry.objects.log_actions(user_id=cora.pk, queryset=[carmen], action_flag=CHANGE, change_message="Checked.")
    snapshot_take(community=water, day=date.today())
    assert Notification.objects.filter(recipient=bob, actor=carmen).count() >= 2

    client.force_login(carmen)
    response = client.post(reverse("members:account_delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302

    allowed_revisions = set(PostRevision.objects.filter(post=quote).values_list("pk", flat=True))
    hits = rows_naming(NEEDLES)
    print(f"rows naming her after deletion: {len(hits)} {sorted(hits, key=str)}")
    leftovers = {
        (label, column, pk)
        for label, column, pk in hits
        if not (label == "discussions.Post" and pk == quote.pk)
        and not (label == "discussions.PostRevision" and pk in allowed_revisions)
    }
    assert leftovers == set()
    assert any(label == "discussions.Post" for label, _, _ in hits)  # the quote itself stays
    assert Invitation.objects.filter(community=rain, email="newcomer@example.org").exists()  # hers, unnamed

    # What the others see.
    client.force_login(bob)
    page = client.get(reverse("members:notifications")).content.decode()
    assert "A former member replied to your thread “Sand dams”" in page
    assert "A former member posted in “Borehole logbooks”" in page
    assert not any(needle in page for needle in NEEDLES)

    page = client.get(logbooks.get_absolute_url()).content.decode()
    assert "A former member" in page and "Daily is better, agreed." in page
    assert not any(needle in page for needle in NEEDLES)

    page = client.get(sand_dams.get_absolute_url()).content.decode()
    assert f"{NAME} said" in page  # what Bob quoted stays his words
    assert f'href="/members/{USERNAME}/"' not in page  # the mention no longer links to anyone

    client.force_login(cora)
    log = result_table(client.get(reverse("manage:members_emaildelivery_changelist")))
    assert "A former member replied to your thread" in log
    assert not any(needle in log for needle in NEEDLES)
    audit = result_table(client.get(reverse("manage:communities_auditentry_changelist")))
    assert "a former member" in audit.lower()
    assert not any(needle in audit for needle in NEEDLES)
