"""events-life's pages, included from cop_platform/urls.py beside events-core's events.urls."""

from django.urls import path

from . import views_life

app_name = "events_life"

OCCURRENCE = "c/<slug:slug>/events/<int:event_id>/occurrences/<int:occurrence_id>/"

urlpatterns = [
    path(f"{OCCURRENCE}attendance/", views_life.attendance, name="attendance"),
    path(f"{OCCURRENCE}materials/", views_life.material_add, name="material_add"),
    path(f"{OCCURRENCE}materials/<int:material_id>/remove/", views_life.material_remove, name="material_remove"),
]
