from django.urls import path

from communities.page_cache import cached_community_page

from .views import attachments, drafts, engaging, live, mentions, moderating, polls, reading, writing

app_name = "discussions"

thread = "c/<slug:community_slug>/discussions/<int:thread_id>"

# The pages anonymous visitors read most, kept whole for them while unchanged (cop_platform/page_cache.py).
thread_list = cached_community_page(reading.thread_list)
thread_detail = cached_community_page(reading.thread_detail)
thread_subtree = cached_community_page(reading.thread_subtree)

urlpatterns = [
    path("c/<slug:community_slug>/discussions/", thread_list, name="list"),
    path("c/<slug:community_slug>/discussions/new/", writing.thread_new, name="new"),
    path(f"{thread}/", thread_detail, name="thread_short"),
    path(f"{thread}-<slug:thread_slug>/", thread_detail, name="thread"),
    path(f"{thread}/posts/<int:post_id>/", thread_subtree, name="subtree"),
    path(f"{thread}/updates/", live.thread_updates, name="updates"),
    path(f"{thread}/reply/", writing.post_reply, name="reply"),
    path(f"{thread}/edit/", writing.thread_edit, name="thread_edit"),
    path(f"{thread}/follow/", engaging.thread_follow, name="follow"),
    path(f"{thread}/poll/", polls.poll_add, name="poll_add"),
    path(f"{thread}/poll/vote/", polls.poll_vote, name="poll_vote"),
    path(f"{thread}/poll/withdraw/", polls.poll_withdraw, name="poll_withdraw"),
    path(f"{thread}/poll/manage/", polls.poll_manage, name="poll_manage"),
    path(f"{thread}/moderate/", moderating.thread_moderate, name="moderate"),
    path("posts/<int:post_id>/", reading.post_permalink, name="post"),
    path("posts/<int:post_id>/edit/", writing.post_edit, name="post_edit"),
    path("posts/<int:post_id>/delete/", writing.post_delete, name="post_delete"),
    path("posts/<int:post_id>/revisions/", reading.post_revisions, name="post_revisions"),
    path("posts/<int:post_id>/react/<str:kind>/", engaging.post_react, name="react"),
    path("posts/<int:post_id>/flag/", engaging.post_flag, name="flag"),
    path("posts/<int:post_id>/accept/", engaging.post_accept, name="accept"),
    path("posts/<int:post_id>/hide/", moderating.post_hide, name="hide"),
    path("discussions/preview/", writing.markdown_preview, name="preview"),
    path("c/<slug:community_slug>/discussions/attachments/", attachments.attachment_upload, name="attachment_upload"),
    path("discussions/attachments/<int:attachment_id>/<str:name>", attachments.attachment, name="attachment"),
    # The composer: drafts (autosave, save/discard buttons, the member's list) and @mentions.
    path("c/<slug:community_slug>/discussions/new/draft/", drafts.draft_save_new_thread, name="draft_new"),
    path(f"{thread}/reply/draft/", drafts.draft_save_reply, name="draft_reply"),
    path("drafts/", drafts.draft_list, name="drafts"),
    path("drafts/<int:draft_id>/discard/", drafts.draft_discard, name="draft_discard"),
    path("c/<slug:community_slug>/discussions/mentions/", mentions.mention_suggest_new_thread, name="mentions_new"),
    path(f"{thread}/mentions/", mentions.mention_suggest_thread, name="mentions"),
]
