"""Personal access tokens for the REST API.

A token is shown once, when it is made; only its SHA-256 hash is stored, with a short prefix
that lets its owner (and a log line) tell tokens apart without revealing them. A leaked
database therefore leaks no usable token.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("Read: see what you can see on the site")
    WRITE = "write", _("Read and write: also post, react, join and upload as you")
    PROVISIONING = "provisioning", _("Provisioning (staff): read, write and manage members")


class AccessTokenQuerySet(models.QuerySet):
    def usable(self):
        """Tokens that still authenticate: not revoked, not expired, their owner active."""
        now = timezone.now()
        return self.filter(revoked_at=None, user__is_active=True).filter(
            models.Q(expires_at=None) | models.Q(expires_at__gt=now)
        )


class AccessToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80, help_text=_("What it is for, e.g. 'Intranet news box'."))
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices, default=Scope.READ)
    # The first characters of the token, shown in lists ("cop_ab12cd…"); not secret on its own.
    prefix = models.CharField(max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope in (Scope.WRITE, Scope.PROVISIONING)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
