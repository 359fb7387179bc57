"""The 500 page: rendered from settings and a template only, never from the database.

Django's default `server_error` view renders 500.html without a request context; ours does
the same but hands it the site name and the stylesheet, like the 503 page, so a failing
database (or a failing context processor) cannot turn the error page itself into an error.
"""

from django.conf import settings
from django.http import HttpResponseServerError
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.csrf import requires_csrf_token


def stylesheet_url() -> str:
    try:
        return static("css/app.css")
    except ValueError:  # no collected manifest: the page does without its stylesheet
        return ""


@requires_csrf_token
def server_error(request):
    html = render_to_string("500.html", {"SITE_NAME": settings.SITE_NAME, "stylesheet": stylesheet_url()})
    return HttpResponseServerError(html)
