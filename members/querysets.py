"""Who may see which member profiles: the single place this rule lives."""

from django.db import models


class UserQuerySet(models.QuerySet):
    def profiles_visible_to(self, viewer):
        """Profiles `viewer` may open. Signed-in members see every active member; visitors
        see only profiles their owners made public."""
        active = self.filter(is_active=True)
        if viewer is not None and viewer.is_authenticated:
            return active
        return active.filter(profile_visibility="public")
