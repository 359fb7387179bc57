"""Querysets compiled once and run with new values (cop_platform/compiled_queries.py): the same
rows, objects and annotations as the queryset itself, for every value it is run with; and a
shape that cannot be compiled that way is refused when first run, never answered wrongly."""

import threading

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.db.models import Count, F, FilteredRelation, Q
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext, override_settings

from cop_platform.compiled_queries import (
    CompiledQuery,
    CompiledQueryError,
    CompiledSQL,
    forget_compiled_queries,
    stand_in,
)
from discussions.models import Thread
from members.models import User
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _threads_with_my_state(shape, *, community_slug, user):
    """A shape like the thread page's: a related row, a FilteredRelation on the viewer and an
    aggregate, filtered by a string."""
    return (
        Thread.objects.select_related("community", "author")
        .filter(community__slug=community_slug)
        .annotate(
            my_state=FilteredRelation("read_states", condition=Q(read_states__user=user)),
            my_last_read=F("my_state__last_read_at"),
            replies=Count("posts"),
        )
        .order_by("pk")
    )


@pytest.fixture
def two_communities():
    author, reader = UserFactory(), UserFactory()
    first, second = CommunityFactory(), CommunityFactory()
    for community in (first, second):
        MembershipFactory(user=author, community=community)
    a = make_thread(community=first, author=author, title="Pumps in the dry season")
    make_reply(thread=a, author=author)
    b = make_thread(community=second, author=author, title="Latrine design")
    return first, second, author, reader, a, b


def _described(threads):
    return [
        (t.pk, t.title, t.community.slug, t.author.username, t.replies, t.my_last_read is not None) for t in threads
    ]


def test_each_run_answers_for_its_own_values(two_communities):
    first, second, author, reader, a, b = two_communities
    compiled = CompiledQuery(_threads_with_my_state, community_slug=str, user=User)
    a.read_states.update_or_create(user=author, defaults={"last_read_at": a.created_at})

    for community in (first, second, first):
        for viewer in (author, reader):
            expected = list(_threads_with_my_state(None, community_slug=community.slug, user=viewer))
            got = compiled.run(community_slug=community.slug, user=viewer)
            assert _described(got) == _described(expected)
    assert _described(compiled.run(community_slug=first.slug, user=author)) == [
        (a.pk, "Pumps in the dry season", first.slug, author.username, 2, True)
    ]
    assert compiled.run(community_slug="no-such-community", user=author) == []


def test_a_run_is_one_query_and_keeps_select_related_objects(two_communities):
    first, _, author, _, a, _ = two_communities
    compiled = CompiledQuery(_threads_with_my_state, community_slug=str, user=User)
    compiled.run(community_slug=first.slug, user=author)  # compiled here
    with CaptureQueriesContext(connection) as queries:
        (thread,) = compiled.run(community_slug=first.slug, user=author)
        assert (thread.community.name, thread.author.pk) == (first.name, author.pk)
    assert len(queries) == 1


def test_values_rows_and_shapes(two_communities):
    first, second, _, _, a, b = two_communities
    titles = CompiledQuery(
        lambda shape, *, community_id: (
            Thread.objects.filter(community_id=community_id).order_by(shape).values_list("title", flat=True)
        ),
        community_id=int,
    )
    assert titles.run("pk", community_id=first.pk) == ["Pumps in the dry season"]
    assert titles.run("-pk", community_id=second.pk) == ["Latrine design"]


def test_an_argument_written_into_the_sql_is_refused_when_first_run(two_communities):
    sliced = CompiledQuery(lambda shape, *, offset: Thread.objects.order_by("pk")[offset : offset + 1], offset=int)
    with pytest.raises(CompiledQueryError, match="written into the SQL"):
        sliced.run(offset=0)


def test_a_transformed_argument_is_refused_when_first_run(two_communities):
    prefixed = CompiledQuery(lambda shape, *, prefix: Thread.objects.filter(title__startswith=prefix), prefix=str)
    with pytest.raises(CompiledQueryError, match="transformed"):
        prefixed.run(prefix="Pumps")


def test_a_comparison_django_drops_is_refused_when_first_run(two_communities):
    # A negative value for a positive field: Django leaves the comparison out of the SQL.
    never = CompiledQuery(lambda shape, *, n: Thread.objects.filter(reply_count__gte=n - 40_000), n=int)
    with pytest.raises(CompiledQueryError, match="n: not a parameter"):
        never.run(n=1)


def test_none_and_wrong_kinds_are_refused_without_a_query(two_communities):
    first, _, author, _, _, _ = two_communities
    compiled = CompiledQuery(_threads_with_my_state, community_slug=str, user=User)
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(TypeError, match="community_slug"):
            compiled.run(community_slug=None, user=author)
        with pytest.raises(TypeError, match="user"):
            compiled.run(community_slug=first.slug, user=first)
        with pytest.raises(TypeError, match="expected arguments"):
            compiled.run(community_slug=first.slug)
    assert len(queries) == 0


def test_a_changed_setting_compiles_the_shape_again(two_communities):
    first, _, author, _, a, _ = two_communities
    make_reply(thread=a, author=author)
    # The builder reads a setting: the compiled SQL holds its value as a constant.
    busy = CompiledQuery(
        lambda shape, *, community_id: Thread.objects.filter(
            community_id=community_id, reply_count__gte=settings.PAGE_SIZE
        ).values_list("title", flat=True),
        community_id=int,
    )
    with override_settings(PAGE_SIZE=2):
        assert busy.run(community_id=first.pk) == ["Pumps in the dry season"]
    with override_settings(PAGE_SIZE=3):
        assert busy.run(community_id=first.pk) == []


def test_forgetting_compiles_again_when_next_run(two_communities):
    first, *_ = two_communities
    builds = []

    def build(shape, *, community_id):
        builds.append(shape)
        return Thread.objects.filter(community_id=community_id).values_list("pk", flat=True)

    compiled = CompiledQuery(build, community_id=int)
    compiled.run(community_id=first.pk)
    compiled.run(community_id=first.pk)
    assert len(builds) == 3  # once per set of stand-ins, for the first run only
    forget_compiled_queries()
    compiled.run(community_id=first.pk)
    assert len(builds) == 6
    # A migration or a flush (which recreates content types with new ids) forgets them too.
    post_migrate.send(
        sender=django_apps.get_app_config("discussions"),
        app_config=django_apps.get_app_config("discussions"),
        verbosity=0,
        interactive=False,
        using="default",
        apps=django_apps,
        plan=[],
    )
    compiled.run(community_id=first.pk)
    assert len(builds) == 9


def test_the_least_recently_run_shape_is_dropped_first(two_communities):
    first, *_ = two_communities
    builds = []

    def build(shape, *, community_id):
        builds.append(shape)
        return Thread.objects.filter(community_id=community_id).order_by(shape).values_list("pk", flat=True)

    compiled = CompiledQuery(build, community_id=int, max_shapes=2)
    for shape in ("pk", "-pk", "pk", "title"):  # "title" pushes one out: "-pk", run longest ago
        compiled.run(shape, community_id=first.pk)
    builds.clear()
    compiled.run("pk", community_id=first.pk)
    assert builds == []
    compiled.run("-pk", community_id=first.pk)
    assert builds == ["-pk"] * 3


def test_a_builder_reading_more_than_an_arguments_key_is_refused(two_communities):
    first, _, author, *_ = two_communities

    def by_rank(shape, *, user):
        # Every later run would take the branch the stand-in took: refused, not guessed.
        threads = Thread.objects.all()
        return threads if user.is_staff else threads.filter(hidden_at=None, author=user)

    with pytest.raises(CompiledQueryError, match="reads is_staff of 'user'"):
        CompiledQuery(by_rank, user=User).run(user=author)


def test_an_argument_dropped_in_one_place_but_used_in_another_is_refused(two_communities):
    # Below zero for a positive field, Django drops the comparison for the small stand-ins only.
    dropped = CompiledQuery(lambda shape, *, n: Thread.objects.filter(Q(reply_count__gte=n - 20) | Q(pk=n)), n=int)
    with pytest.raises(CompiledQueryError, match="written into the SQL"):
        dropped.run(n=1)


@pytest.mark.django_db(transaction=True)
def test_runs_from_other_threads_use_their_own_connection_and_values():
    author = UserFactory()
    communities = [CommunityFactory() for _ in range(3)]
    for community in communities:
        MembershipFactory(user=author, community=community)
        make_thread(community=community, author=author, title=f"In {community.slug}")
    titles = CompiledQuery(
        lambda shape, *, community_slug: Thread.objects.filter(community__slug=community_slug).values_list(
            "title", flat=True
        ),
        community_slug=str,
    )
    titles.run(community_slug=communities[0].slug)  # compiled in this thread, on its connection
    answers, failures = {}, []

    def read(community):
        try:
            for _ in range(20):
                answers.setdefault(community.slug, set()).update(titles.run(community_slug=community.slug))
        except Exception as error:  # noqa: BLE001 (reported below)
            failures.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=read, args=(community,)) for community in communities]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    assert answers == {c.slug: {f"In {c.slug}"} for c in communities}


# --- CompiledSQL: SQL assembled from several querysets ------------------------------------


def _titles_of(shape, *, using, community_slug, member=None):
    """A UNION of two querysets, the way search assembles its sources; the viewer only when
    the shape has one (`member` optional for an "all" shape)."""
    parts, params = [], []
    threads = Thread.objects.filter(community__slug=community_slug)
    if shape == "mine":
        threads = threads.filter(author=stand_in(User, "member", {"id": member}, using=using))
    elif shape == "none":
        return None
    for queryset in (threads.values("title"), threads.values("community__name")):
        sql, part_params = queryset.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) part_{len(parts)}")  # noqa: S608 (Django's SQL)
        params += part_params
    return " UNION ALL ".join(parts), tuple(params)


def _arguments(shape):
    return {"community_slug": str} | ({"member": int} if shape in {"mine", "all"} else {})


def _rows(compiled_sql):
    sql, params = compiled_sql
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) assembled ORDER BY 1", params)  # noqa: S608 (Django's SQL)
        return [row[0] for row in cursor.fetchall()]


def test_compiled_sql_answers_each_run_for_its_own_values_and_shape(two_communities):
    first, second, author, reader, a, b = two_communities
    compiled = CompiledSQL(_titles_of, arguments=_arguments, optional=lambda shape: {"member"})

    assert _rows(compiled.sql("mine", community_slug=first.slug, member=author.pk)) == [first.name, a.title]
    assert _rows(compiled.sql("mine", community_slug=first.slug, member=reader.pk)) == []
    assert _rows(compiled.sql("mine", community_slug=second.slug, member=author.pk)) == [second.name, b.title]
    # "all" declares a member the SQL does not use: allowed, since it is optional.
    assert _rows(compiled.sql("all", community_slug=second.slug, member=reader.pk)) == [second.name, b.title]
    assert compiled.sql("none", community_slug=first.slug) is None


def test_compiled_sql_refuses_a_required_argument_the_sql_does_not_use(two_communities):
    compiled = CompiledSQL(_titles_of, arguments=_arguments)  # nothing optional

    with pytest.raises(CompiledQueryError, match="member"):
        compiled.sql("all", community_slug="pumps", member=1)


def test_a_stand_in_knows_only_the_fields_it_was_given_in_any_order():
    viewer = stand_in(User, "viewer", {"email": "stand@in.example", "is_staff": True, "id": 30_001})

    assert (viewer.pk, viewer.email, viewer.is_staff) == (30_001, "stand@in.example", True)
    with pytest.raises(CompiledQueryError, match="username"):
        _ = viewer.username
    with pytest.raises(CompiledQueryError, match="not fields"):
        stand_in(User, "viewer", {"id": 1, "no_such_field": 2})
