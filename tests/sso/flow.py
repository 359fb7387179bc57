"""Walk the OpenID Connect redirect flow without a browser: the Django test client plays the
platform's side, a `requests` session the member's browser at the loopback provider."""

import re
from urllib.parse import urljoin, urlsplit

import requests

from .idp import PASSWORD, PROVIDER_ID


def provider_sign_in(client, idp, username: str, *, start: str = f"/accounts/oidc/{PROVIDER_ID}/login/", data=None):
    """Press the provider's button, sign in at the provider as `username`, and return the
    platform's answer to the callback (not followed)."""
    answer = client.post(start, data or {})
    assert answer.status_code == 302, answer
    location = answer["Location"]
    assert location.startswith(idp.url), location
    browser = requests.Session()
    for _ in range(10):
        answer = browser.get(location, allow_redirects=False, timeout=10)
        if answer.status_code == 200 and "csrfmiddlewaretoken" in answer.text:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.text).group(1)
            next_url = re.search(r'name="next" value="([^"]*)"', answer.text).group(1).replace("&amp;", "&")
            answer = browser.post(
                location,
                data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD, "next": next_url},
                headers={"Referer": location},
                allow_redirects=False,
                timeout=10,
            )
        assert answer.status_code == 302, (answer.status_code, answer.text[:500])
        location = urljoin(location, answer.headers["Location"])
        if location.startswith("http://testserver/"):
            parts = urlsplit(location)
            return client.get(f"{parts.path}?{parts.query}")
    raise AssertionError("the provider never sent the browser back")
