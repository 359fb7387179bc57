"""The demo data (`manage.py seed_demo`), seeded once for a whole test module.

Seeding takes seconds without the history and most of a minute with it, so the modules whose
tests only read the demo seed it once: `seed_demo_for_module` opens a transaction, seeds inside
it, and rolls it back when the module is done. Each test of the module runs in its own
savepoint inside that transaction (pytest-django's `db` atomics nest), so what a test writes
is undone after it, and no test outside the module ever sees the demo.

The settings tests/conftest.py gives every test (cheap password hashing, in-memory email,
files in a temporary folder, eager Celery) are function-scoped, so they are applied here as
well for the seeding itself: the demo's passwords must verify under the tests' hasher.
"""

import io
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from cop_platform.celery import app as celery_app


@contextmanager
def seed_demo_for_module(django_db_blocker, folder: Path, **options):
    """Seed the demo (`options` as for the command) in a transaction that is rolled back on
    exit; yields what the command printed."""
    storages = {
        name: {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(folder / name)}}
        for name in ("resources", "post_attachments", "data_exports")
    }
    test_settings = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        MEDIA_ROOT=folder / "media",
        STORAGES={**settings.STORAGES, **storages},
        DISCUSSION_RATE_LIMITS={"posts_per_minute": 10_000, "new_member_threads_per_hour": 10_000},
    )
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    try:
        with django_db_blocker.unblock(), test_settings:
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                out = io.StringIO()
                call_command("seed_demo", stdout=out, **options)
                yield out.getvalue()
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
    finally:
        celery_app.conf.update(saved)
