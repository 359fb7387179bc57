"""Every API error as RFC 9457 problem details (`application/problem+json`):

    {"type": "https://.../problems/validation", "title": "Your request has errors",
     "status": 400, "detail": "...", "errors": {"body": ["Write something before posting."]}}

The services raise Django's PermissionDenied and ValidationError with messages a member can
read; they come out here with those messages, so a script sees what the page would say."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "/api/problems/"

TITLES = {
    400: ("validation", _("Your request has errors")),
    401: ("unauthenticated", _("Authentication needed")),
    403: ("forbidden", _("Not allowed")),
    404: ("not-found", _("Not found")),
    405: ("method-not-allowed", _("Method not allowed")),
    406: ("not-acceptable", _("Not acceptable")),
    409: ("conflict", _("Conflict")),
    413: ("too-large", _("Request too large")),
    415: ("unsupported-media-type", _("Unsupported media type")),
    429: ("rate-limited", _("Too many requests")),
}


def _django_validation_errors(error: DjangoValidationError) -> tuple[str, dict]:
    """(detail, field errors) from a service's ValidationError."""
    if hasattr(error, "error_dict"):
        fields = {name: [force_str(m) for m in messages] for name, messages in error.message_dict.items()}
        general = fields.pop("__all__", [])
        detail = " ".join(general) or " ".join(m for messages in fields.values() for m in messages)
        return detail, fields
    return " ".join(force_str(m) for m in error.messages), {}


def _field_errors(data, prefix="") -> dict[str, list[str]]:
    """DRF's nested error data as {"field": [...], "tags.0": [...], "parent.name": [...]}."""
    if isinstance(data, dict):
        errors = {}
        for name, value in data.items():
            errors.update(_field_errors(value, f"{prefix}.{name}" if prefix else str(name)))
        return errors
    if isinstance(data, list) and any(isinstance(item, dict | list) for item in data):
        errors = {}
        for index, value in enumerate(data):
            if value:
                errors.update(_field_errors(value, f"{prefix}.{index}" if prefix else str(index)))
        return errors
    values = data if isinstance(data, list) else [data]
    return {prefix or "non_field_errors": [force_str(value) for value in values]}


def _flatten(data) -> tuple[str, dict]:
    """(detail, field errors) from DRF's error data (a dict of lists, a list, or a string)."""
    if isinstance(data, dict):
        if set(data) == {"detail"}:
            return force_str(data["detail"]), {}
        fields = _field_errors(data)
        general = fields.pop("non_field_errors", [])
        detail = " ".join(general) or _("Check the fields listed in 'errors'.")
        return force_str(detail), fields
    if isinstance(data, list):
        return " ".join(force_str(v) for v in data), {}
    return force_str(data), {}


def problem(status_code: int, detail: str, *, errors: dict | None = None, headers=None) -> Response:
    slug, title = TITLES.get(status_code, ("error", _("Error")))
    body = {"type": f"{PROBLEM_BASE}{slug}", "title": force_str(title), "status": status_code, "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_details_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail, errors = _django_validation_errors(exc)
        return problem(status.HTTP_400_BAD_REQUEST, detail, errors=errors)
    if isinstance(exc, DjangoPermissionDenied):
        message = force_str(exc) or force_str(exceptions.PermissionDenied.default_detail)
        exc = exceptions.PermissionDenied(message)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("There is nothing here, or nothing you may see."))
    response = exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's 500 handling, logged
    detail, errors = _flatten(response.data)
    headers = {name: value for name, value in response.items() if name in ("Retry-After", "WWW-Authenticate", "Allow")}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        detail = force_str(_("Too many requests from this token. Try again in {seconds} seconds.")).format(
            seconds=max(1, int(exc.wait))
        )
    return problem(response.status_code, detail, errors=errors, headers=headers)


@csrf_exempt  # it changes nothing; a refused CSRF check would answer an HTML page instead
def not_found(request, *args, **kwargs):
    """Any address under /api/ that names no endpoint (or an unknown version): a 404 problem,
    not the site's HTML page."""
    body = {
        "type": f"{PROBLEM_BASE}not-found",
        "title": force_str(TITLES[404][1]),
        "status": 404,
        "detail": force_str(_("There is no such API endpoint. The API lives under /api/v1/; see /api/docs/.")),
    }
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)
