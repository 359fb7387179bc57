from django.apps import AppConfig


class EmailGatewayConfig(AppConfig):
    """Email as a way to take part: reply-by-email and community addresses (mail in), mailing-list
    mode (every post mailed out), and bounces of our own mail. It sits on the top floor beside
    the urls: it turns messages into the same service calls the pages make, and imports the
    apps, never the reverse (the lower apps reach it through registries filled in ready())."""

    name = "email_gateway"
    verbose_name = "Email gateway"

    def ready(self):
        from anymail.signals import inbound

        from . import webhooks

        # A provider's inbound webhook hands its message to receive() (webhooks.py).
        inbound.connect(webhooks.on_inbound, dispatch_uid="email_gateway.webhooks.on_inbound")
