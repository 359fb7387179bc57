from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmailGatewayConfig(AppConfig):
    """Email as a way to take part: reply-by-email and community addresses (mail in), mailing-list
    mode (every post mailed out), and bounces of our own mail. It sits on the top floor beside
    the urls: it turns messages into the same service calls the pages make, and imports the
    apps, never the reverse (the lower apps reach it through registries filled in ready())."""

    name = "email_gateway"
    verbose_name = _("Email gateway")

    def ready(self):
        from anymail.signals import inbound, tracking

        from communities.sections import CommunitySection, register_section
        from discussions.post_hooks import register_post_created
        from members.account_deletion import register_deletion_step
        from members.mailing import MailRouting, register_mail_routing

        from . import addresses, mailing_list, webhooks
        from .account_deletion import inbound_mail_forget_sender
        from .community_page import email_section
        from .hooks import on_post_created
        from .tracking import on_tracking

        register_post_created("mailing_list", on_post_created)
        register_deletion_step(inbound_mail_forget_sender)
        register_mail_routing(
            MailRouting(
                email_in=addresses.email_in_enabled,
                reply_address=addresses.reply_address,
                generations=mailing_list.reply_generations,
                envelope_sender=addresses.bounce_address,
                notification_threads=mailing_list.notification_threads,
                sent_as_list_mail=mailing_list.notifications_sent_as_list_mail,
            )
        )
        register_section(
            CommunitySection(
                name="email_gateway",
                template="email_gateway/partials/_community_email.html",
                context=email_section,
                order=90,
            )
        )
        # A provider's inbound webhook hands its message to receive() (webhooks.py); its tracking
        # webhook reports bounces of our mail (tracking.py).
        inbound.connect(webhooks.on_inbound, dispatch_uid="email_gateway.webhooks.on_inbound")
        tracking.connect(on_tracking, dispatch_uid="email_gateway.tracking.on_tracking")
