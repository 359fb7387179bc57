from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities"

    def ready(self):
        from . import (
            member_filter,  # noqa: F401 - registers the member directory's "Community" filter
            profile_section,  # noqa: F401 - registers the "Communities" section of member profiles
        )
