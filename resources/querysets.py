"""The visibility policy for the library: a resource is readable where its community's
content is (communities.querysets). Archived resources stay readable (links to them keep
working) but leave the default listing."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from communities.models import Community


class ResourceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(community__in=Community.objects.content_visible_to(user))

    def current(self):
        return self.filter(archived_at=None)

    def for_listing(self):
        return self.select_related("author", "community", "current_version").prefetch_related("tags")

    def from_origin(self, origin):
        """Resources documented from `origin` (a thread, say), for its page's back-link."""
        return self.filter(origin_type=ContentType.objects.get_for_model(origin), origin_id=origin.pk)
