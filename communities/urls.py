from django.urls import path

from . import mute_views, views
from .health import views as health_views
from .value import views as value_views

app_name = "communities"

urlpatterns = [
    path("communities/", views.directory, name="directory"),
    path("communities/new/", views.create, name="create"),
    path("communities/health/", health_views.overview, name="health_overview"),
    path("c/<slug:slug>/", views.detail, name="detail"),
    path("c/<slug:slug>/edit/", views.edit, name="edit"),
    path("c/<slug:slug>/health/", health_views.health, name="health"),
    path("c/<slug:slug>/health/export.csv", health_views.export_csv, name="health_export"),
    path("c/<slug:slug>/health/stage/", health_views.change_stage, name="health_stage"),
    path("c/<slug:slug>/health/refresh/", health_views.refresh, name="health_refresh"),
    # The value members get (communities/value/).
    path("c/<slug:slug>/health/value-survey/", value_views.survey_settings, name="value_survey_settings"),
    path("c/<slug:slug>/value/survey/", value_views.survey_current, name="value_survey_current"),
    path("c/<slug:slug>/value/survey/<str:period>/", value_views.survey, name="value_survey"),
    path("c/<slug:slug>/value/stories/", value_views.stories, name="value_stories"),
    path("c/<slug:slug>/value/stories/new/", value_views.story_new, name="value_story_new"),
    path(
        "c/<slug:slug>/value/stories/<int:story_id>/remove/", value_views.story_remove_view, name="value_story_remove"
    ),
    path("c/<slug:slug>/value/matrix.csv", value_views.matrix_csv, name="value_matrix"),
    path("value/survey/<str:token>/", value_views.survey_link, name="value_survey_link"),
    path("c/<slug:slug>/join/", views.join, name="join"),
    path("c/<slug:slug>/leave/", views.leave, name="leave"),
    path("c/<slug:slug>/email-mute/", mute_views.email_mute, name="email_mute"),
    path("c/<slug:slug>/mailing-list/", mute_views.mailing_list_mode, name="mailing_list_mode"),
    path("c/<slug:slug>/members/", views.members, name="members"),
    path("c/<slug:slug>/members/<int:membership_id>/<str:action>/", views.member_action, name="member_action"),
    path("c/<slug:slug>/invite/", views.invite, name="invite"),
    path("c/<slug:slug>/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("settings/communities/", mute_views.email_mutes, name="email_mutes"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
