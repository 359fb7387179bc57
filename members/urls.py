from django.urls import path

from . import (
    account_views,
    bounce_views,
    data_export_views,
    email_views,
    live_views,
    notification_views,
    profile_prompt,
    views,
)

app_name = "members"

urlpatterns = [
    path("members/", views.directory, name="directory"),
    path("members/<str:username>/", views.profile, name="profile"),
    path("settings/", views.settings_profile, name="settings"),
    path("settings/profile-prompt/dismiss/", profile_prompt.dismiss, name="profile_prompt_dismiss"),
    path("settings/delete-account/", account_views.account_delete_view, name="account_delete"),
    path("settings/export/", data_export_views.data_export_page, name="data_export"),
    path("settings/export/<str:token>/", data_export_views.data_export_download, name="data_export_download"),
    path("settings/notifications/", email_views.notification_settings, name="settings_notifications"),
    path("settings/email-bounces/fixed/", bounce_views.bounce_fixed, name="bounce_fixed"),
    path("email/unsubscribe/<str:token>/", email_views.unsubscribe, name="unsubscribe"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/count/", live_views.notification_count, name="notification_count"),
    path("notifications/read-all/", notification_views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/", notification_views.notification_open, name="notification_open"),
]
