from django.apps import AppConfig


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = "Discussions"

    def ready(self):
        from members.notifications import register_target

        from .models import Post

        def visible_post_ids(user, ids):
            return set(Post.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))

        register_target(Post, visible_post_ids)
