"""API test helpers: a client that sends a token, and tokens for the usual roles."""

import pytest
from rest_framework.test import APIClient

from api.models import Scope
from api.tokens import token_create


def token_for(user, scope=Scope.WRITE) -> str:
    return token_create(actor=user, name=f"{user.username} {scope}", scope=scope).secret


def client_for(user=None, scope=Scope.WRITE) -> APIClient:
    """An API client authenticated with a fresh token of `scope` (anonymous without a user)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope)}")
    return client


@pytest.fixture
def api():
    return client_for
