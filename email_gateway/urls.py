from django.urls import path

from . import views

app_name = "email_gateway"

urlpatterns = [
    path("settings/reply-by-email/", views.reply_addresses, name="reply_addresses"),
]
