"""Pages where coordinators and staff register and watch their webhook endpoints."""

from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("c/<slug:slug>/webhooks/", views.endpoint_list, name="list"),
    path("c/<slug:slug>/webhooks/new/", views.endpoint_new, name="new"),
    path("c/<slug:slug>/webhooks/<int:endpoint_id>/", views.endpoint_detail, name="detail"),
    path("c/<slug:slug>/webhooks/<int:endpoint_id>/edit/", views.endpoint_edit, name="edit"),
    path("c/<slug:slug>/webhooks/<int:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
    path("c/<slug:slug>/webhooks/<int:endpoint_id>/<str:action>/", views.endpoint_action, name="action"),
    path("settings/webhooks/", views.endpoint_list, name="site_list"),
    path("settings/webhooks/new/", views.endpoint_new, name="site_new"),
    path("settings/webhooks/<int:endpoint_id>/", views.endpoint_detail, name="site_detail"),
    path("settings/webhooks/<int:endpoint_id>/edit/", views.endpoint_edit, name="site_edit"),
    path("settings/webhooks/<int:endpoint_id>/delete/", views.endpoint_delete, name="site_delete"),
    path("settings/webhooks/<int:endpoint_id>/<str:action>/", views.endpoint_action, name="site_action"),
]
