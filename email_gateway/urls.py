from django.urls import path

from . import views

app_name = "email_gateway"

urlpatterns = [
    path("held/", views.held_list, name="held"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]
