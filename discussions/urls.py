from django.urls import path

from . import views

app_name = "discussions"

thread = "c/<slug:community_slug>/discussions/<int:thread_id>"

urlpatterns = [
    path("c/<slug:community_slug>/discussions/", views.thread_list, name="list"),
    path("c/<slug:community_slug>/discussions/new/", views.thread_new, name="new"),
    path(f"{thread}/", views.thread_detail, name="thread_short"),
    path(f"{thread}-<slug:thread_slug>/", views.thread_detail, name="thread"),
    path(f"{thread}/posts/<int:post_id>/", views.thread_subtree, name="subtree"),
    path(f"{thread}/reply/", views.post_reply, name="reply"),
    path(f"{thread}/edit/", views.thread_edit, name="thread_edit"),
    path(f"{thread}/follow/", views.thread_follow, name="follow"),
    path(f"{thread}/moderate/", views.thread_moderate, name="moderate"),
    path("posts/<int:post_id>/", views.post_permalink, name="post"),
    path("posts/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:post_id>/delete/", views.post_delete, name="post_delete"),
    path("posts/<int:post_id>/revisions/", views.post_revisions, name="post_revisions"),
    path("posts/<int:post_id>/react/<str:kind>/", views.post_react, name="react"),
    path("posts/<int:post_id>/flag/", views.post_flag, name="flag"),
    path("posts/<int:post_id>/accept/", views.post_accept, name="accept"),
    path("posts/<int:post_id>/hide/", views.post_hide, name="hide"),
    path("discussions/preview/", views.markdown_preview, name="preview"),
]
