"""WSGI entry point for gunicorn: `gunicorn cop_platform.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")

application = get_wsgi_application()
