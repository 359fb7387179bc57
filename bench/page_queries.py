"""Counting what a page costs in queries, measured the same way on both forums bench/compare.py
compares (ours through bench/compare_ours.py, Spirit through bench/spirit/seed.py, each in its
own virtualenv). Import it after django.setup().
"""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment


def page_queries(urls: list[str], *, secure: bool = False) -> dict:
    """The queries each URL costs, anonymous and signed in as bench1, after one warm-up request
    (caches, Spirit's djconfig). `secure`: requests as over HTTPS (ours redirects plain HTTP)."""
    setup_test_environment()
    out = {}
    member = get_user_model().objects.get(username="bench1")
    for signed_in in (False, True):
        client = Client()
        if signed_in:
            client.force_login(member)
        for url in urls:
            client.get(url, secure=secure)  # warm-up
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, secure=secure)
            assert response.status_code == 200, (url, response.status_code)
            out[f"{'member' if signed_in else 'anonymous'} {url}"] = len(captured)
    return out
