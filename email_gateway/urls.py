from django.urls import path

from . import settings_views, views

app_name = "email_gateway"

urlpatterns = [
    path("settings/reply-by-email/", settings_views.reply_addresses, name="reply_addresses"),
    # Mail held until its sender confirms it (email_gateway.inbound.held).
    path("email/in/held/", views.held_list, name="held"),
    path("email/in/confirm/<str:token>/", views.confirm, name="confirm"),
]
