"""The loopback identity provider for the single sign-on tests that drive the Django test client
(the browser tests start their own, whose redirect address is the live server's)."""

import pytest

from .idp import start_provider

CALLBACK = "http://testserver/accounts/oidc/loopback/login/callback/"


@pytest.fixture(scope="session")
def idp(tmp_path_factory):
    provider = start_provider(tmp_path_factory.mktemp("idp"), redirect_uris=[CALLBACK])
    yield provider
    provider.stop()


@pytest.fixture
def sso(settings, idp):
    """The platform configured with the loopback provider (the good client)."""
    settings.SOCIALACCOUNT_PROVIDERS = idp.socialaccount_providers()
    return idp
