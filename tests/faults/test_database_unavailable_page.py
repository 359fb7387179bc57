"""The 503 page for a database that is away, in-process: the database errors are real ones
(a connection refused by a loopback port where nothing listens), and the tests run without
database access at all (pytest-django refuses it), which is the point: the page must be drawn
without the database. The whole path, with a real restart, is test_database_restart_pages.py."""

import pytest
from django.core.handlers.exception import convert_exception_to_response
from django.db import OperationalError
from django.db.utils import ConnectionHandler
from django.http import HttpResponse
from django.test import RequestFactory

from cop_platform.db_unavailable import DatabaseUnavailableMiddleware
from tests.loopback import free_port


@pytest.fixture
def refused(django_db_blocker) -> OperationalError:
    """What connecting to a PostgreSQL that is restarting raises (the only connection tried)."""
    dead = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": free_port(), "NAME": "x"}}
    )["default"]
    with django_db_blocker.unblock(), pytest.raises(OperationalError) as caught:
        dead.ensure_connection()
    return caught.value


def raising(error):
    def view(request):
        raise error

    return view


def assert_unavailable_page(response):
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Back in a moment" in html and "<title>" in html
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_a_view_that_cannot_reach_the_database_answers_503_with_retry_after(refused):
    request = RequestFactory().get("/c/water/")
    middleware = DatabaseUnavailableMiddleware(convert_exception_to_response(raising(refused)))

    assert_unavailable_page(middleware.process_exception(request, refused))


def test_a_database_error_outside_the_view_also_becomes_the_503_page_not_a_500(refused):
    # Django turns an exception in an inner middleware into a 500 response where it happens;
    # the signal it sends meanwhile is how the outer middleware knows it was the database.
    request = RequestFactory().get("/communities/")
    middleware = DatabaseUnavailableMiddleware(convert_exception_to_response(raising(refused)))

    assert_unavailable_page(middleware(request))


def test_other_errors_stay_500_and_working_pages_pass_through(settings):
    settings.DEBUG = False
    broken = DatabaseUnavailableMiddleware(convert_exception_to_response(raising(ValueError("a bug"))))
    working = DatabaseUnavailableMiddleware(lambda request: HttpResponse("fine"))

    assert broken(RequestFactory().get("/")).status_code == 500
    assert working(RequestFactory().get("/")).content == b"fine"
