from django.urls import path

from . import views

app_name = "resources"

library = "c/<slug:community_slug>/resources"
resource = f"{library}/<int:resource_id>"

urlpatterns = [
    path(f"{library}/", views.library, name="library"),
    path(f"{library}/new/", views.resource_new, name="new"),
    path(f"{resource}/", views.detail, name="detail"),
    path(f"{resource}/edit/", views.edit, name="edit"),
    path(f"{resource}/delete/", views.delete, name="delete"),
    path(f"{resource}/download/", views.download, name="download"),
    path(f"{resource}/versions/new/", views.version_new, name="version_new"),
    path(f"{resource}/versions/<int:version_number>/download/", views.download, name="download_version"),
    path(f"{resource}/versions/<int:version_number>/delete/", views.version_delete, name="version_delete"),
    path(f"{resource}/curate/", views.curate, name="curate"),
]
