# The release (README "Releases"; CHANGELOG.md): also in pyproject.toml, shown in /healthz and /admin/.
__version__ = "0.10.0.dev0"

# Importing the Celery app here makes @shared_task bind to it as soon as Django starts.
from .celery import app as celery_app  # noqa: E402

__all__ = ("__version__", "celery_app")
