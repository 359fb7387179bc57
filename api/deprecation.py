"""Deprecation and Sunset headers on the answers of an API version that is being retired.

The policy (README "REST API", docs/api.md): a breaking change makes a new version, and the old
one keeps working for at least 12 months. Meanwhile every answer of the old version says so in
the standard headers, so that clients notice without reading our changelog:
`Deprecation` (RFC 9745, the date it was deprecated) and `Sunset` (RFC 8594, the date it stops).

API_DEPRECATED_VERSIONS maps a version to those two dates, e.g.
{"v1": {"deprecated": "2027-06-01", "sunset": "2028-06-01"}}; empty while no version is retired.
"""

from datetime import UTC, date, datetime, time

from django.conf import settings
from django.utils.http import http_date


def _timestamp(day: str) -> int:
    return int(datetime.combine(date.fromisoformat(day), time(), tzinfo=UTC).timestamp())


class DeprecatedVersionHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        version = match.kwargs.get("version") if match is not None else None
        retiring = settings.API_DEPRECATED_VERSIONS.get(version) if version else None
        if retiring:
            response["Deprecation"] = f"@{_timestamp(retiring['deprecated'])}"
            if retiring.get("sunset"):
                response["Sunset"] = http_date(_timestamp(retiring["sunset"]))
        return response
