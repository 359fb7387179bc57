"""Settings for the processes the fault tests start (gunicorn, beat): the project's own, with
the test suite's cheap password hashing (so signing in costs what Redis costs, not PBKDF2), and,
when FAULT_BEAT_EVERY is set, a beat schedule of one harmless task every that many seconds.
Chosen with DJANGO_SETTINGS_MODULE=tests.faults.settings."""

import os

from cop_platform.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if os.environ.get("FAULT_BEAT_EVERY"):
    CELERY_BEAT_SCHEDULE = {
        "fault-tick": {
            "task": "members.tasks.prune_email_deliveries",
            "schedule": float(os.environ["FAULT_BEAT_EVERY"]),
        }
    }
