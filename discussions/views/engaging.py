"""Taking part in a thread beyond posting: reactions, flags for the coordinators, accepting an
answer, and following or muting a thread."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from communities.forms import submit_form
from communities.services import membership_of

from .. import permissions
from ..forms import FlagForm
from ..models import FollowLevel, Reaction, ReactionKind
from ..services import following, moderating, reacting
from ._post_html import csrf_input, reactions_html
from ._shared import (
    _post_location,
    _post_page,
    _show_text,
    _visible_post,
    _visible_thread,
    _with_reaction_buttons,
)

# --- Reactions, flags, answers -------------------------------------------------------------------


@login_required
@require_POST
def post_react(request, post_id, kind):
    """Toggle a reaction. htmx gets the post's reaction block back, swapped in place. Without
    JavaScript the thread page's one form per post sends the reaction its button names."""
    kind = request.POST.get("kind", kind)
    if kind not in ReactionKind.values:
        raise Http404("No such reaction.")
    post = _visible_post(request, post_id)
    reacting.reaction_toggle(actor=request.user, post=post, kind=kind)
    if not request.htmx:
        return redirect(_post_location(post))
    post.refresh_from_db(fields=[f"{value}_count" for value in ReactionKind.values])
    post.my_reactions = set(Reaction.objects.filter(post=post, user=request.user).values_list("kind", flat=True))
    post.can_react = True
    return HttpResponse(reactions_html(_with_reaction_buttons(post), csrf=csrf_input(get_token(request))))


@login_required
@require_http_methods(["GET", "POST"])
def post_flag(request, post_id):
    post = _visible_post(request, post_id)
    membership = membership_of(request.user, post.thread.community)
    if not permissions.can_flag(request.user, post, membership):
        raise PermissionDenied(gettext("You cannot flag this post."))
    form = FlagForm(request.POST or None)
    if request.method == "POST" and submit_form(
        form, lambda data: moderating.flag_create(actor=request.user, post=post, **data)
    ):
        messages.success(request, gettext("Thanks, the coordinators will review it."))
        return redirect(_post_location(post))
    post.show_text = _show_text(request.user, post, membership)
    return _post_page(request, "discussions/flag.html", post, form=form)


@login_required
@require_POST
def post_accept(request, post_id):
    """Accept a reply as the answer, or take the acceptance back if it is the accepted one."""
    post = _visible_post(request, post_id)
    thread = post.thread
    try:
        if thread.accepted_post_id == post.pk:
            reacting.answer_unaccept(actor=request.user, thread=thread)
            messages.success(request, gettext("The question is open again."))
        else:
            reacting.answer_accept(actor=request.user, post=post)
            messages.success(request, gettext("Marked as the accepted answer."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_post_location(post))


# --- Following -----------------------------------------------------------------------------------

FOLLOW_MESSAGES = {
    FollowLevel.FOLLOWING: gettext_lazy("You follow this thread: new posts will notify you."),
    FollowLevel.MUTED: gettext_lazy("Muted: this thread will not notify you, even about replies to you."),
    "": gettext_lazy("Back to the default: only replies to you and mentions notify you."),
}


@login_required
@require_POST
def thread_follow(request, community_slug, thread_id):
    thread = _visible_thread(request, community_slug, thread_id)
    level = request.POST.get("level", "")
    try:
        following.thread_set_follow(actor=request.user, thread=thread, level=level)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, FOLLOW_MESSAGES[level])
    return redirect(thread)
