"""/api/: the versioned API (v1/), its OpenAPI schema and its docs."""

urlpatterns = []
