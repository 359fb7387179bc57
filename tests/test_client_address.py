"""The real client address behind the proxy (cop_platform/client_address.py): one rule that
allauth's limits, the login limits and logs all see, and that a forged header cannot steer."""

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from cop_platform.client_address import UNKNOWN_CLIENT_ADDRESS, ClientAddressMiddleware

PASSWORD = "correct horse battery staple"
NGINX = "127.0.0.1"


def seen_address(settings, *, remote_addr=NGINX, forwarded=None, **headers) -> str:
    """REMOTE_ADDR as the views see it after the middleware."""
    meta = {"REMOTE_ADDR": remote_addr, **headers}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    seen = {}

    def view(request):
        seen["address"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    ClientAddressMiddleware(view)(request)
    return seen["address"]


def test_without_a_trusted_proxy_the_connection_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert seen_address(settings, remote_addr="203.0.113.7", forwarded="198.51.100.1") == "203.0.113.7"


def test_behind_one_proxy_the_address_nginx_appended_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert seen_address(settings, forwarded="203.0.113.7") == "203.0.113.7"


def test_a_forged_forwarded_header_is_ignored_behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client sent "X-Forwarded-For: 10.0.0.1, 192.0.2.9"; nginx appended the real peer.
    assert seen_address(settings, forwarded="10.0.0.1, 192.0.2.9, 203.0.113.7") == "203.0.113.7"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert seen_address(settings, forwarded="10.6.6.6, 203.0.113.7, 10.0.0.2") == "203.0.113.7"


def test_fewer_entries_than_proxies_fall_back_to_what_the_proxies_wrote(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert seen_address(settings, forwarded="203.0.113.7") == "203.0.113.7"
    # No header at all (a health check straight to gunicorn): the connection itself.
    assert seen_address(settings, remote_addr="192.0.2.50") == "192.0.2.50"


def test_addresses_with_ports_and_ipv6_are_normalised(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert seen_address(settings, forwarded="203.0.113.7:51234") == "203.0.113.7"
    assert seen_address(settings, forwarded="[2001:DB8::1]:443") == "2001:db8::1"
    assert seen_address(settings, forwarded="2001:db8::2") == "2001:db8::2"


def test_a_garbage_entry_where_the_client_should_be_falls_back_to_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert seen_address(settings, remote_addr="192.0.2.50", forwarded="unknown") == "192.0.2.50"


def test_a_trusted_client_header_names_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"

    assert seen_address(settings, HTTP_X_REAL_IP="203.0.113.7", forwarded="10.6.6.6") == "203.0.113.7"


def test_a_unix_socket_without_a_proxy_setting_shares_one_placeholder_instead_of_failing(settings, caplog):
    settings.TRUSTED_PROXY_COUNT = 0

    assert seen_address(settings, remote_addr="") == UNKNOWN_CLIENT_ADDRESS
    assert "TRUSTED_PROXY_COUNT" in caplog.text


@pytest.mark.django_db
def test_sign_in_works_on_a_unix_socket_with_no_remote_address(client, member, settings):
    """gunicorn on a unix socket leaves REMOTE_ADDR empty; allauth used to answer 403."""
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()

    response = client.post(
        reverse("account_login"),
        {"login": member.email, "password": PASSWORD},
        REMOTE_ADDR="",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )

    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(member.pk)


@pytest.mark.django_db
def test_failed_logins_from_one_client_behind_the_proxy_do_not_block_another(client, member, settings):
    """The production CI check in small: every request comes from nginx on loopback."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_FAILED_LIMITS = {**settings.LOGIN_FAILED_LIMITS, "per_address": "10/h"}
    cache.clear()
    attacker = {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": "198.51.100.66"}
    # The attacker also forges the header, hoping to spend the member's address instead.
    forged = {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": "203.0.113.10, 198.51.100.66"}

    answers = [
        client.post(reverse("account_login"), {"login": f"nobody{n}@example.org", "password": "x"}, **headers)
        for n in range(10)
        for headers in (attacker, forged)
    ]
    blocked = sum(b"Too many failed login attempts" in page.content for page in answers)
    print(f"failed logins from one client through the proxy=20 refused-too-many={blocked}")

    assert blocked == 10
    member_request = {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": "203.0.113.10"}
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD}, **member_request)
    assert response.status_code == 302
