"""The coordinators' buttons: hiding and restoring a post, and pinning, locking, closing,
hiding or moving a thread."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from communities.forms import submit_form
from communities.services import membership_of

from .. import permissions
from ..forms import HideForm, ThreadModerationForm
from ..services import moderating
from ._shared import _post_location, _post_page, _visible_post, _visible_thread


@login_required
@require_http_methods(["GET", "POST"])
def post_hide(request, post_id):
    """Coordinators hide a post with a reason the author sees, or restore it."""
    post = _visible_post(request, post_id)
    membership = membership_of(request.user, post.thread.community)
    if not permissions.can_moderate(request.user, post.thread.community, membership):
        raise PermissionDenied(gettext("Only this community's coordinators can hide posts."))
    if request.method == "POST" and request.POST.get("action") == "restore":
        moderating.post_restore(actor=request.user, post=post)
        messages.success(request, gettext("The post is visible again."))
        return redirect(_post_location(post))
    form = HideForm(request.POST or None)
    if request.method == "POST" and submit_form(
        form, lambda data: moderating.post_hide(actor=request.user, post=post, reason=data["reason"])
    ):
        messages.success(request, gettext("The post is hidden. Its author sees your reason."))
        return redirect(_post_location(post))
    post.show_text = True
    return _post_page(request, "discussions/post_hide.html", post, form=form)


MODERATION_MESSAGES = {
    "pin": gettext_lazy("The thread is pinned to the top of the list."),
    "unpin": gettext_lazy("The thread is no longer pinned."),
    "lock": gettext_lazy("The thread is locked: only coordinators can reply."),
    "unlock": gettext_lazy("The thread is unlocked: members can reply again."),
    "close": gettext_lazy("The thread is closed to new replies."),
    "reopen": gettext_lazy("The thread is open for replies again."),
    "hide": gettext_lazy("The thread is hidden from members."),
    "restore": gettext_lazy("The thread is visible to members again."),
    "move": gettext_lazy("The thread is moved to %(community)s."),
}


@login_required
@require_POST
def thread_moderate(request, community_slug, thread_id):
    """Pin, lock, close, hide or move a thread (coordinators); each action is audited."""
    thread = _visible_thread(request, community_slug, thread_id)
    if not permissions.can_moderate(request.user, thread.community, membership_of(request.user, thread.community)):
        raise PermissionDenied(gettext("Only this community's coordinators can moderate it."))
    form = ThreadModerationForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return redirect(thread)
    action, actor = form.cleaned_data["action"], request.user
    if action == "hide":
        moderating.thread_hide(actor=actor, thread=thread, reason=form.cleaned_data["reason"])
    elif action == "restore":
        moderating.thread_restore(actor=actor, thread=thread)
    elif action == "move":
        moderating.thread_move(actor=actor, thread=thread, to_community=form.cleaned_data["community"])
    else:
        moderating.thread_moderate(actor=actor, thread=thread, action=action)
    messages.success(request, MODERATION_MESSAGES[action] % {"community": thread.community.name})
    return redirect(thread)
