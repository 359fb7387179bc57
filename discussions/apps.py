from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class DiscussionsConfig(AppConfig):
    name = "discussions"
    verbose_name = _("Discussions")

    def ready(self):
        from django.db.models.signals import post_delete

        from communities.activity import ActivitySource, register_activity_source
        from communities.digests.registry import DigestSection, register_digest_section
        from communities.health.registry import register_health_source
        from communities.origins import register_origin
        from communities.reminders.registry import register_activity
        from communities.sections import CommunitySection, register_section
        from communities.todos import register_to_dos
        from communities.value.sources import StorySource, register_story_source
        from members.account_deletion import register_deletion_step
        from members.data_export.registry import register_export_section
        from members.expertise import register_evidence
        from members.notifications import register_target

        from . import (  # noqa: F401 - search_sources registers this app's search source(s)
            activity,
            ask,  # noqa: F401 - registers "Ask <name> a question" on member profiles
            data_export,
            digest,
            health,
            search_sources,
        )
        from .expertise import PROVIDER as discussion_evidence
        from .models import Post, PostAttachment, Thread
        from .selectors import community_home_section, thread_as_origin, threads_as_story_sources
        from .services.attachments import attachments_remove_pending_of_account, remove_file_after_commit
        from .services.posting import mentions_unlink_account
        from .services.reacting import reactions_remove_with_account

        def visible_post_ids(user, ids):
            return set(Post.objects.readable_by(user).filter(pk__in=ids).values_list("pk", flat=True))

        def post_community_ids(ids):
            return dict(Post.objects.filter(pk__in=ids).values_list("pk", "thread__community_id"))

        register_target(Post, visible_post_ids, community_ids=post_community_ids)
        post_delete.connect(remove_file_after_commit, sender=PostAttachment, dispatch_uid="post_attachment_file")
        register_deletion_step(reactions_remove_with_account)
        register_deletion_step(mentions_unlink_account)
        register_deletion_step(attachments_remove_pending_of_account)
        register_origin("thread", thread_as_origin)
        # "This helped me" on a thread: a value-creation story names it (communities/value/).
        register_story_source(StorySource("thread", Thread, threads_as_story_sources))
        register_health_source(health.SOURCE)
        register_evidence(discussion_evidence)
        register_export_section(*data_export.SECTIONS)
        register_section(
            CommunitySection(
                name="discussions",
                template="discussions/partials/_community_latest.html",
                context=community_home_section,
                order=10,
            )
        )
        register_digest_section(
            DigestSection(
                "new_threads",
                _("New discussions"),
                digest.new_threads,
                order=10,
                title_one=_("New discussion"),
                counted=ngettext_lazy("%(count)s new discussion", "%(count)s new discussions", "count"),
            )
        )
        register_digest_section(
            DigestSection(
                "popular_threads",
                _("Busy conversations"),
                digest.popular_threads,
                order=20,
                title_one=_("Busy conversation"),
                counted=ngettext_lazy("%(count)s busy conversation", "%(count)s busy conversations", "count"),
            )
        )
        register_digest_section(
            DigestSection(
                "unanswered",
                _("Questions you could answer"),
                digest.unanswered_questions,
                order=5,
                expertise_only=True,
                title_one=_("Question you could answer"),
                counted=ngettext_lazy(
                    "%(count)s question you could answer", "%(count)s questions you could answer", "count"
                ),
            )
        )
        register_activity(
            "discussions",
            contributors=digest.contributors,
            needs_attention=digest.needs_attention,
            unread=digest.unread,
        )
        # The signed-in home: what is new, and the coordinators' to-dos (communities.activity, .todos).
        register_activity_source(ActivitySource("new_threads", activity.new_threads))
        register_activity_source(ActivitySource("followed_replies", activity.followed_replies))
        register_to_dos("discussions", activity.to_dos)
