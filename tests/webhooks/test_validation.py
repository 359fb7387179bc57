"""Endpoint addresses: https to public hosts only (no SSRF into the server's own network)."""

import pytest
import requests
from django.core.exceptions import ValidationError

from webhooks import transport
from webhooks.validation import validate_endpoint_url


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://example.org/hook", "https://"),
        ("ftp://example.org/hook", "https://"),
        ("https://127.0.0.1/hook", "private, loopback or link-local"),
        ("https://localhost:8443/hook", "private, loopback or link-local"),
        ("https://10.1.2.3/hook", "private, loopback or link-local"),
        ("https://192.168.0.10/hook", "private, loopback or link-local"),
        ("https://169.254.169.254/latest/meta-data", "private, loopback or link-local"),
        ("https://[::1]/hook", "private, loopback or link-local"),
        ("https://[::ffff:127.0.0.1]/hook", "private, loopback or link-local"),
        ("https://0.0.0.0/hook", "private, loopback or link-local"),
        ("https://user:pw@93.184.215.14/hook", "passwords"),
        ("https://93.184.215.14:99999/hook", "port"),
        ("https:///hook", "no host"),
    ],
)
def test_private_and_unencrypted_addresses_are_refused_with_a_reason(settings, url, says):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(ValidationError) as refused:
        validate_endpoint_url(url)
    assert says in " ".join(refused.value.messages)


def test_a_public_address_is_accepted(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    validate_endpoint_url("https://93.184.215.14/hook")  # a literal public address: no DNS needed


def test_loopback_only_when_the_setting_allows_it(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    validate_endpoint_url("http://127.0.0.1:8123/hook")
    with pytest.raises(ValidationError):
        validate_endpoint_url("http://10.0.0.1:8123/hook")
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(ValidationError):
        validate_endpoint_url("http://127.0.0.1:8123/hook")


def test_the_connection_itself_refuses_a_private_address_reached_after_validation(settings, receiver):
    """DNS rebinding: whatever validation saw, the socket checks where it really connected."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(requests.ConnectionError, match="non-public address"), transport.session() as http:
        http.post(receiver.url, data=b"{}", timeout=5)
    assert receiver.received == []
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    with transport.session() as http:
        assert http.post(receiver.url, data=b"{}", timeout=5).status_code == 200
