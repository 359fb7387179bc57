from django.urls import path

from . import views

app_name = "email_gateway"

urlpatterns = [
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]
