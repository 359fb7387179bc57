from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = "Communities"

    def ready(self):
        from members.account_deletion import register_deletion_check, register_deletion_step
        from members.data_export.registry import register_export_section
        from members.mailing import register_community_muting, register_prefixed_scope

        from . import (
            data_export,
            mailing_list,
            member_filter,  # noqa: F401 - registers the member directory's "Community" filter
            profile_section,  # noqa: F401 - registers the "Communities" section of member profiles
            search_sources,  # noqa: F401 - registers this app's search source(s)
        )
        from .account_deletion import invitations_forget_address
        from .digests.registry import DigestSection, register_digest_section
        from .digests.sections import new_members
        from .email_mute import MUTING
        from .services import communities_left_without_coordinator, memberships_end_with_account

        register_deletion_check(communities_left_without_coordinator)
        register_deletion_step(memberships_end_with_account)
        register_deletion_step(invitations_forget_address)
        register_community_muting(MUTING)
        register_prefixed_scope(mailing_list.LIST_SCOPE_PREFIX, mailing_list.SCOPE)
        register_export_section(*data_export.SECTIONS)
        # SSO_AUTO_JOIN: an account's first sign-in through the organisation's identity provider.
        from allauth.account.signals import user_signed_up
        from allauth.socialaccount.signals import social_account_added

        from .sso_join import join_after_sso_link, join_after_sso_signup

        user_signed_up.connect(join_after_sso_signup, dispatch_uid="communities_sso_join_signup")
        social_account_added.connect(join_after_sso_link, dispatch_uid="communities_sso_join_link")
        register_digest_section(
            DigestSection(
                "new_members",
                _("New members"),
                new_members,
                order=50,
                title_one=_("New member"),
                counted=ngettext_lazy("%(count)s new member", "%(count)s new members", "count"),
            )
        )
