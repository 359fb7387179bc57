"""The allauth adapter (ACCOUNT_ADAPTER): allauth's defaults plus the project's mixins."""

from allauth.account.adapter import DefaultAccountAdapter

from .account_mail import DurableAccountMailMixin


class AccountAdapter(DurableAccountMailMixin, DefaultAccountAdapter):
    pass
