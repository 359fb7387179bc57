from django.conf import settings
from django.db import models
from django.utils import timezone


class MemberMailKey(models.Model):
    """The generation of a member's reply addresses. Every reply address carries a MAC over the
    member, the thread and this number, so raising it (Settings → "Stop my reply addresses")
    revokes every address the member was ever sent at once. No row means generation 0."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_key")
    generation = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Reply-address key of {self.user_id} (generation {self.generation})"


class InboundStatus(models.TextChoices):
    POSTED = "posted", "Posted as a reply"
    THREAD_STARTED = "thread_started", "Started a thread"
    HELD = "held_for_confirmation", "Held until the member confirms"
    REFUSED = "refused", "Refused (the sender was told why)"
    IGNORED = "ignored", "Ignored (automatic mail, not answered)"
    DUPLICATE = "duplicate", "Duplicate of a message already received"
    BOUNCE_HANDLED = "bounce_handled", "Bounce of our own mail"


class InboundMessage(models.Model):
    """One message that reached the gateway, whatever became of it: the record that makes a
    redelivered message a no-op (unique message_id), the trail staff read in /admin/ when a
    member asks "where did my email go?", and what the per-sender answer limit counts.

    The message itself is not kept (only a held message keeps its bytes, in HeldMessage):
    once posted, the post is the content; refused or ignored mail is only described."""

    # The Message-ID as sent (without <>), or "sha256:<hex>" of it when longer than fits, or of
    # the whole message when it has none.
    message_id = models.CharField(max_length=255, unique=True)
    sender = models.CharField(max_length=254, blank=True, help_text="The From address.")
    envelope_sender = models.CharField(max_length=254, blank=True)
    recipient = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    transport = models.CharField(max_length=20, help_text="How it reached us: pipe, imap, webhook, ...")
    status = models.CharField(max_length=24, choices=InboundStatus.choices)
    detail = models.CharField(max_length=500, blank=True)
    size = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The member the message acted for (the reply address's owner, or the verified sender).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    thread = models.ForeignKey("discussions.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    post = models.ForeignKey("discussions.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answered = models.BooleanField(default=False, help_text="Whether we emailed the sender about it.")
    # What the email to the sender says (reason, advice, link, notes), so its task can render it
    # again after a crash; empty when we did not answer.
    answer = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.message_id[:60]} from {self.sender} ({self.status})"


class HeldMessage(models.Model):
    """A message whose sender we could not authenticate: to a community address without a
    DMARC or aligned DKIM pass from our own MTA (anyone can write a member's address in From),
    or to a reply address from an address that is not the member's. It waits
    here until that member, signed in, confirms on the page the emailed link opens; then it is
    posted through the same services. Expired ones are deleted by the prune task."""

    inbound = models.OneToOneField(InboundMessage, on_delete=models.CASCADE, related_name="held")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="+")
    # Set for a reply (sent to a reply address, from an address that is not the member's);
    # unset for a new thread by the community address.
    reply_to = models.ForeignKey(
        "discussions.Thread", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    raw = models.BinaryField(help_text="The message as received, to post it with its attachments.")
    created_at = models.DateTimeField(default=timezone.now)
    posted_at = models.DateTimeField(null=True, blank=True)
    # The post it became once confirmed.
    post = models.ForeignKey("discussions.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Held message {self.pk} for {self.user_id}"


class SenderAnswer(models.Model):
    """When we last emailed an address about mail it sent us. At most one answer an hour per
    address (INBOUND_EMAIL_ANSWER_INTERVAL): a mail loop or a flood with a forged sender
    cannot make us send mail to a victim more than that."""

    address = models.CharField(max_length=254, unique=True)
    answered_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.address} answered at {self.answered_at:%Y-%m-%d %H:%M}"
