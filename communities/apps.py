from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities"

    def ready(self):
        from . import (
            profile_section,  # noqa: F401 - registers the "Communities" section of member profiles
            search_sources,  # noqa: F401 - registers this app's search source(s)
        )
