from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities"

    def ready(self):
        from members.mailing import register_community_muting

        from . import profile_section  # noqa: F401 - registers the "Communities" section of member profiles
        from .digests.registry import DigestSection, register_digest_section
        from .digests.sections import new_members
        from .email_mute import MUTING

        register_community_muting(MUTING)
        register_digest_section(DigestSection("new_members", "New members", new_members, order=50))
