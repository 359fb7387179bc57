"""The API docs (/api/docs/) render in a real browser under the site's Content-Security-Policy:
Swagger UI and its start-up script come from our own static files, and the console shows no
CSP violation or script error."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_api_docs_render_under_the_csp_with_nothing_from_a_cdn(page, live_server, console_errors):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "CoP Platform API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector("text=/api/v1/threads/", timeout=15_000)
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested), requested
    console_errors.assert_none()
