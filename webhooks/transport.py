"""An HTTP session that refuses, at connect time, to talk to anything but a public address.

`validation.validate_endpoint_url` checks the host's addresses before each delivery, but DNS
may answer differently a moment later (DNS rebinding). So the connection itself checks the
address it actually reached, before a single byte (or the TLS handshake) is sent.
"""

import ipaddress

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError


def is_public(address: str) -> bool:
    """An address on the public internet: not private, loopback, link-local, multicast or
    reserved (IPv4 mapped into IPv6 is judged as the IPv4 address it is)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast)


def address_allowed(address: str) -> bool:
    if address == "127.0.0.1" and getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False):
        return True
    return is_public(address)


class _PublicOnly:
    def _new_conn(self):
        sock = super()._new_conn()
        address = sock.getpeername()[0]
        if not address_allowed(address):
            sock.close()
            raise NewConnectionError(self, f"Refused to connect to a non-public address ({address}).")
        return sock


class PublicHTTPConnection(_PublicOnly, HTTPConnection):
    pass


class PublicHTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class PublicHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = PublicHTTPConnection


class PublicHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = PublicHTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": PublicHTTPConnectionPool, "https": PublicHTTPSConnectionPool}


def session() -> requests.Session:
    """A session for one delivery. Proxies from the environment are ignored: through a proxy
    the address reached would be the proxy's, and the check above would mean nothing."""
    http = requests.Session()
    http.trust_env = False
    adapter = PublicOnlyAdapter(max_retries=0)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http
