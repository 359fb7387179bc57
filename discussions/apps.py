from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = "Discussions"

    def ready(self):
        from communities.origins import register_origin
        from communities.sections import CommunitySection, register_section
        from members.expertise import register_evidence
        from members.notifications import register_target

        from . import ask  # noqa: F401 - registers "Ask <name> a question" on member profiles
        from .expertise import PROVIDER as discussion_evidence
        from .models import Post
        from .selectors import community_home_section, thread_as_origin

        def visible_post_ids(user, ids):
            return set(Post.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))

        register_target(Post, visible_post_ids)
        register_origin("thread", thread_as_origin)
        register_evidence(discussion_evidence)
        register_section(
            CommunitySection(
                name="discussions",
                template="discussions/partials/_community_latest.html",
                context=community_home_section,
                order=10,
            )
        )
