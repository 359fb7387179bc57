def thread_list(request, **kwargs):
    raise NotImplementedError


thread_new = thread_detail = thread_subtree = post_reply = thread_edit = thread_follow = thread_moderate = thread_list
post_permalink = post_edit = post_delete = post_revisions = post_react = post_flag = post_accept = post_hide = thread_list
markdown_preview = thread_list
