"""The Celery app. Configuration comes from Django settings (the CELERY_* names).

Without CELERY_BROKER_URL the settings make every task run eagerly in-process, so the
embedded default (`make run`) needs no Redis; production points it at Redis and runs
`celery -A cop_platform worker` and `celery -A cop_platform beat` beside gunicorn.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")

app = Celery("cop_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
