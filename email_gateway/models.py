from django.conf import settings
from django.db import models


class MemberMailKey(models.Model):
    """The generation of a member's reply addresses. Every reply address carries a MAC over the
    member, the thread and this number, so raising it (Settings → "Stop my reply addresses")
    revokes every address the member was ever sent at once. No row means generation 0."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_key")
    generation = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Reply-address key of {self.user_id} (generation {self.generation})"
