"""/settings/api-tokens/: the member's personal access tokens (included by cop_platform.urls)."""

from django.urls import path

from . import settings_views

app_name = "api_tokens"

urlpatterns = [
    path("", settings_views.tokens, name="list"),
    path("<int:token_id>/revoke/", settings_views.token_revoke_view, name="revoke"),
]
