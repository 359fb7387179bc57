"""Where webhooks hear about what happened, without touching the apps below.

- posts: discussions.post_hooks (inside the posting transaction); an opening post is
  `thread.created`, any other `post.created`;
- joins: post_save of communities.Membership when a row becomes active (a direct join, an
  approved request or an accepted invitation all set `joined_at` with state active);
- resources and flags: post_save, created;
- events: events.signals.event_created.
Each calls `delivery.announce`, which queues the work for after the commit.
"""

from .delivery import announce
from .models import EventType


def on_post_created(post) -> None:
    event_type = EventType.THREAD_CREATED if post.is_opening else EventType.POST_CREATED
    obj = post.thread if post.is_opening else post
    announce(event_type=event_type, obj=obj, community_id=post.thread.community_id)


def on_membership_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    if raw or instance.state != "active":
        return
    if not created and (update_fields is None or "joined_at" not in update_fields):
        return
    occurrence = instance.joined_at.isoformat() if instance.joined_at else ""
    announce(
        event_type=EventType.MEMBER_JOINED, obj=instance, community_id=instance.community_id, occurrence=occurrence
    )


def on_resource_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        announce(event_type=EventType.RESOURCE_ADDED, obj=instance, community_id=instance.community_id)


def on_flag_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        announce(event_type=EventType.FLAG_RAISED, obj=instance, community_id=instance.post.thread.community_id)


def on_event_created(sender, event, **kwargs) -> None:
    announce(event_type=EventType.EVENT_CREATED, obj=event, community_id=event.community_id)
