"""/api/: the versioned API (v1/), its OpenAPI schema and its docs (served from the platform's
own static files: nothing from a CDN, under the site's Content-Security-Policy)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from .exceptions import not_found
from .views.communities import CommunityViewSet
from .views.discussions import PostViewSet, ThreadViewSet
from .views.events import EventViewSet
from .views.library import ResourceViewSet
from .views.people import MemberViewSet, NotificationViewSet
from .views.search import SearchView

app_name = "api"

router = SimpleRouter()
router.register("communities", CommunityViewSet, basename="community")
router.register("threads", ThreadViewSet, basename="thread")
router.register("posts", PostViewSet, basename="post")
router.register("resources", ResourceViewSet, basename="resource")
router.register("events", EventViewSet, basename="event")
router.register("members", MemberViewSet, basename="member")
router.register("notifications", NotificationViewSet, basename="notification")

v1 = [*router.urls, path("search/", SearchView.as_view(), name="search")]

urlpatterns = [
    re_path(r"^(?P<version>v1)/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own, so the page needs no
    # inline script: the site's strict Content-Security-Policy holds here too.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    re_path(r"^", not_found),  # what is left under /api/: a 404 problem, never an HTML page
]
