"""A version being retired says so in every answer (the README's deprecation policy)."""

import pytest

from tests.api.conftest import client_for
from tests.communities.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def test_a_version_in_service_carries_no_deprecation_headers():
    CommunityFactory()
    response = client_for().get("/api/v1/communities/")
    assert response.status_code == 200
    assert "Deprecation" not in response
    assert "Sunset" not in response


def test_a_retiring_version_announces_its_deprecation_and_sunset_dates(settings):
    settings.API_DEPRECATED_VERSIONS = {"v1": {"deprecated": "2027-06-01", "sunset": "2028-06-01"}}
    CommunityFactory()
    listing = client_for().get("/api/v1/communities/")
    missing = client_for().get("/api/v1/threads/999999/")
    for response in (listing, missing):
        # RFC 9745: a structured date (seconds since the epoch); RFC 8594: an HTTP date.
        assert response["Deprecation"] == "@1811808000"
        assert response["Sunset"] == "Thu, 01 Jun 2028 00:00:00 GMT"
    assert listing.status_code == 200
    assert missing.status_code == 404


def test_the_schema_and_docs_are_not_a_version_and_carry_no_headers(settings):
    settings.API_DEPRECATED_VERSIONS = {"v1": {"deprecated": "2027-06-01", "sunset": "2028-06-01"}}
    assert "Deprecation" not in client_for().get("/api/schema/")
