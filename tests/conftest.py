"""Fixtures for the usual roles. Each test gets its own fresh objects from the factories."""

import pytest
from celery._state import _set_task_join_will_block
from django.core.cache import cache
from django.utils import translation

from cop_platform.celery import app as celery_app
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory


def pytest_configure(config):
    """After each transactional test (the browser journeys, the real-process tests) pytest-django
    empties every table with `flush`. On PostgreSQL that is one TRUNCATE of all 60-odd tables,
    which replaces each table's files and costs about a second; deleting the few rows a test
    left costs milliseconds and leaves the same empty tables. Django's foreign keys on
    PostgreSQL are DEFERRABLE, so deferring them lets the rows go in any order (a schema with a
    foreign key that is not keeps TRUNCATE). Only the flush of the test process changes (a test
    asking for `reset_sequences` keeps TRUNCATE, which restarts the sequences); `manage.py
    flush` outside the tests is untouched."""
    from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations  # noqa: PLC0415

    truncate = PostgresOperations.sql_flush

    def all_foreign_keys_deferrable(connection) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_constraint WHERE contype = 'f' AND NOT condeferrable LIMIT 1")
            return cursor.fetchone() is None

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables or not all_foreign_keys_deferrable(self.connection):
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        delete = style.SQL_KEYWORD("DELETE FROM")
        return ["SET CONSTRAINTS ALL DEFERRED", *(f"{delete} {style.SQL_FIELD(self.quote_name(t))};" for t in tables)]

    PostgresOperations.sql_flush = sql_flush


# The tests that take seconds to minutes each: real processes, the browser, the seeded demo.
SLOW = ("tests/faults/", "tests/browser/", "tests/test_demo_with_history.py", "tests/communities/test_seed_demo.py")


@pytest.hookimpl(tryfirst=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_slow_tests_first(config, items):
    """The slow tests first. pytest-django then sorts the tests into its three groups (in a
    transaction, transactional, no database) keeping this order inside each, and pytest-xdist
    hands them out in that order: so the slow ones start early in their group, and the run ends
    on short tests instead of one worker finishing a minute-long test while the other idles.
    (This hook runs before pytest-django's: both are tryfirst, and a conftest's runs first.)"""
    items.sort(key=lambda item: not item.nodeid.startswith(SLOW))


@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_xdist_groups(config, items):
    """`--dist loadgroup` (make test) sends the tests of one `xdist_group` to one worker by the
    "@group" pytest-xdist 3.8 adds to their node ids in each worker; under pytest 9 its rename
    (of `item._nodeid`) no longer takes, so every group was split across the workers. Add the
    suffix the way pytest 9 stores node ids; a pytest-xdist that does it itself is left alone."""
    if not getattr(config.option, "loadgroup", False):
        return
    try:
        from _pytest.nodeid import coerce_node_id  # noqa: PLC0415
    except ImportError:  # an older pytest, where pytest-xdist's own rename works
        return
    for item in items:
        names = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        suffix = "@" + "_".join(sorted(names))
        if names and not item.nodeid.endswith(suffix):
            item._id = coerce_node_id(item.nodeid + suffix)


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    """Cheap password hashing, in-memory email, uploads (profile photos, post attachments) in a
    temporary folder, and Celery
    tasks run in-process with their errors raised (Celery copies its settings once, so its
    own config is patched, not Django's)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "post_attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "post-attachments")},
        },
    }
    # Tests arrange many posts quickly; the rate-limit tests set their own limits.
    settings.DISCUSSION_RATE_LIMITS = {"posts_per_minute": 10_000, "new_member_threads_per_hour": 10_000}
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    # Celery marks "inside a task" in one process-wide flag, set and restored around each eager
    # run. Threads running eager tasks at once (the concurrency tests) can restore it in the
    # wrong order and leave it set, and every later `.delay().get()` in this process then
    # raises "Never call result.get() within a task!". Each test starts outside any task.
    _set_task_join_will_block(False)
    yield
    celery_app.conf.update(saved)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the block queues for after commit (emails, notifications, and what those queue
    in turn), as a real commit would: `with committed(): make_reply(...)`."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def member(db):
    return UserFactory(username="mira")


@pytest.fixture
def other_member(db):
    return UserFactory(username="otto")


@pytest.fixture
def staff(db):
    return UserFactory(username="stella", is_staff=True, is_superuser=True)


@pytest.fixture
def community(db):
    """An open public community with one coordinator (`coordinator` fixture)."""
    return CommunityFactory(name="Water Security", slug="water-security")


@pytest.fixture
def coordinator(community):
    return MembershipFactory(community=community, role="coordinator", user=UserFactory(username="cora")).user


@pytest.fixture
def active_membership(community, member, coordinator):
    return MembershipFactory(community=community, user=member)


@pytest.fixture(autouse=True)
def _site_language_between_tests():
    """A request in French leaves French active in the thread (LocaleMiddleware activates, and
    the test client's thread keeps it): each test starts and ends in the site's own language."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Tests change content inside their transaction, where nothing commits, so the page cache
    (cop_platform/page_cache.py, invalidated on commit) is off; tests/page_cache turns it on."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _no_rate_limits_between_tests():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
