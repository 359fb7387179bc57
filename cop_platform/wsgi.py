"""WSGI entry point for gunicorn: `gunicorn cop_platform.wsgi`."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")

application = get_wsgi_application()
# What is loaded by now (Django, the apps, their models) lives as long as the process: keep it out
# of the collector's full passes, which otherwise walk all of it again every few hundred requests.
gc.freeze()
