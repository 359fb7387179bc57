from django.urls import path

from .views import downloads, reading, writing

app_name = "resources"

library = "c/<slug:community_slug>/resources"
resource = f"{library}/<int:resource_id>"

urlpatterns = [
    path(f"{library}/", reading.library, name="library"),
    path(f"{library}/new/", writing.resource_new, name="new"),
    path(f"{resource}/", reading.detail, name="detail"),
    path(f"{resource}/edit/", writing.edit, name="edit"),
    path(f"{resource}/delete/", writing.delete, name="delete"),
    path(f"{resource}/download/", downloads.download, name="download"),
    path(f"{resource}/versions/new/", writing.version_new, name="version_new"),
    path(f"{resource}/versions/<int:version_number>/download/", downloads.download, name="download_version"),
    path(f"{resource}/versions/<int:version_number>/delete/", writing.version_delete, name="version_delete"),
    path(f"{resource}/curate/", writing.curate, name="curate"),
    path(f"{resource}/reviewed/", writing.mark_reviewed, name="mark_reviewed"),
]
