"""Pages where coordinators and staff register and watch their webhook endpoints."""

urlpatterns = []
