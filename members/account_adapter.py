"""The allauth account adapter (settings.ACCOUNT_ADAPTER): each concern is a mixin in its own
module, so this file only puts them together."""

from allauth.account.adapter import DefaultAccountAdapter

from .account_mail import DurableAccountMailMixin
from .login_limits import LoginLimitsMixin
from .site_links import SiteLinksMixin
from .sso_only import SsoOnlyMixin


class AccountAdapter(SsoOnlyMixin, DurableAccountMailMixin, LoginLimitsMixin, SiteLinksMixin, DefaultAccountAdapter):
    pass
