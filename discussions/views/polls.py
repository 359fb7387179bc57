"""A thread's poll: what the thread page shows of it, voting (and changing or withdrawing a
vote), closing early and reopening, and the "Add a poll" page for an existing thread.

Every button is a plain form POST that redirects back to the poll on the thread page; with
htmx the same POST answers with the poll's fragment, swapped in place.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from communities.forms import submit_form
from communities.permissions import why_not_active
from communities.services import membership_of

from .. import permissions
from ..models import Poll, PollOption, PollVote
from ..poll_forms import PollForm, member_zone
from ..services import polls
from ._shared import _forbidden, _visible_thread

POLL_PARTIAL = "discussions/partials/_poll.html"


@dataclass
class OptionResult:
    pk: int
    text: str
    votes: int
    percent: int
    chosen: bool


@dataclass
class PollView:
    """A poll as one viewer sees it: the options with their counts (shown only when the
    results rule allows), what the viewer chose, and which buttons they get."""

    poll: Poll
    options: list[OptionResult]
    voters: int
    has_voted: bool
    is_closed: bool
    can_vote: bool
    show_results: bool
    can_manage: bool
    zone: str = "UTC"  # the viewer's time zone, for the closing time
    refusal: str = ""
    offer_join: bool = False
    sign_in: bool = False
    chosen: list[int] = field(default_factory=list)


def poll_for_page(*, thread, user, membership) -> PollView | None:
    """The thread's poll for `user`, in one query whatever the number of options and votes
    (the options with their counts, the viewer's own choices and, on each row, the poll's
    voter count), none when the thread has no poll and was fetched with `select_related("poll")`."""
    try:
        poll = thread.poll
    except Poll.DoesNotExist:
        return None
    poll.thread = thread  # share the fetched row: the rules below read it, no query
    signed_in = user is not None and user.is_authenticated
    mine = Count("votes", filter=Q(votes__user=user)) if signed_in else Value(0)
    # Members who voted (a member may choose several options): counted once per poll.
    voters = (
        PollVote.objects.filter(option__poll=OuterRef("poll"))
        .order_by()
        .values("option__poll")
        .annotate(voters=Count("user_id", distinct=True))
        .values("voters")
    )
    rows = list(
        PollOption.objects.filter(poll=poll)
        .annotate(vote_count=Count("votes"), mine=mine, voters=Subquery(voters))
        .order_by("position")
    )
    chosen = [row.pk for row in rows if row.mine]
    now = timezone.now()
    show = permissions.can_see_poll_results(user, poll, has_voted=bool(chosen), now=now)
    total = sum(row.vote_count for row in rows)
    options = [
        OptionResult(
            row.pk,
            row.text,
            row.vote_count if show else 0,
            round(100 * row.vote_count / total) if show and total else 0,
            row.pk in chosen,
        )
        for row in rows
    ]
    view = PollView(
        poll=poll,
        options=options,
        voters=(rows[0].voters or 0) if rows else 0,
        has_voted=bool(chosen),
        is_closed=poll.is_closed(now),
        can_vote=signed_in and permissions.can_vote(user, poll, membership, now=now),
        show_results=show,
        can_manage=signed_in and permissions.can_manage_poll(user, poll, membership),
        chosen=chosen,
    )
    view.zone = member_zone(user if signed_in else None).key
    if not view.can_vote and not view.is_closed:
        view.refusal, view.offer_join, view.sign_in = _why_not(user, thread, membership)
    return view


def _why_not(user, thread, membership) -> tuple[str, bool, bool]:
    if thread.hidden_at is not None or thread.is_closed:
        return gettext("This thread is closed, and so is its poll."), False, False
    if not user.is_authenticated:
        return gettext("Sign in as a member of this community to vote."), False, True
    message, offer_join = why_not_active(membership, action="vote")
    return message, offer_join, False


def _answer(request, thread, notice: str, *, error: bool = False):
    """The poll fragment for htmx (the notice inside it, announced by its live region), or
    back to the poll on the thread page with the notice as a message."""
    if request.htmx:
        thread.poll.refresh_from_db()  # a close or reopen changed it since it was fetched
        membership = membership_of(request.user, thread.community)
        view = poll_for_page(thread=thread, user=request.user, membership=membership)
        context = {"poll": view, "thread": thread, "community": thread.community, "poll_notice": notice}
        return render(request, POLL_PARTIAL, context, status=400 if error else 200)
    (messages.error if error else messages.success)(request, notice)
    return redirect(f"{thread.get_absolute_url()}#poll")


def _thread_poll(request, community_slug, thread_id):
    thread = _visible_thread(request, community_slug, thread_id)
    try:
        return thread, thread.poll
    except Poll.DoesNotExist:
        raise Http404("This thread has no poll.") from None


@login_required
@require_POST
def poll_vote(request, community_slug, thread_id):
    thread, poll = _thread_poll(request, community_slug, thread_id)
    try:
        polls.poll_vote(actor=request.user, poll=poll, option_ids=request.POST.getlist("option"))
    except PermissionDenied as error:
        return _forbidden(request, thread.community, str(error))
    except ValidationError as error:
        return _answer(request, thread, " ".join(error.messages), error=True)
    except ValueError:  # an option id that is not a number
        return _answer(request, thread, gettext("Choose among this poll's options."), error=True)
    return _answer(request, thread, gettext("Your vote is saved."))


@login_required
@require_POST
def poll_withdraw(request, community_slug, thread_id):
    thread, poll = _thread_poll(request, community_slug, thread_id)
    try:
        polls.poll_withdraw(actor=request.user, poll=poll)
    except PermissionDenied as error:
        return _forbidden(request, thread.community, str(error))
    return _answer(request, thread, gettext("Your vote is withdrawn."))


@login_required
@require_POST
def poll_manage(request, community_slug, thread_id):
    """Close early or reopen (`action`): the thread's author and the coordinators."""
    thread, poll = _thread_poll(request, community_slug, thread_id)
    actions = {
        "close": (polls.poll_close, gettext("The poll is closed.")),
        "reopen": (polls.poll_reopen, gettext("The poll is open again.")),
    }
    if request.POST.get("action") not in actions:
        raise Http404("No such action.")
    service, done = actions[request.POST["action"]]
    try:
        service(actor=request.user, poll=poll)
    except PermissionDenied as error:
        return _forbidden(request, thread.community, str(error))
    return _answer(request, thread, done)


@login_required
@require_http_methods(["GET", "POST"])
def poll_add(request, community_slug, thread_id):
    """Add a poll to an existing thread (its author and the coordinators)."""
    thread = _visible_thread(request, community_slug, thread_id)
    if not permissions.can_add_poll(request.user, thread, membership_of(request.user, thread.community)):
        raise PermissionDenied(
            gettext("Only the thread's author, while a member, and the coordinators can add a poll.")
        )
    if Poll.objects.filter(thread=thread).exists():
        messages.info(request, gettext("This thread already has a poll."))
        return redirect(f"{thread.get_absolute_url()}#poll")
    form = PollForm(request.POST or None, user=request.user, optional=False)
    if request.method == "POST" and submit_form(
        form, lambda data: polls.poll_create(actor=request.user, thread=thread, spec=form.spec())
    ):
        messages.success(request, gettext("The poll is added."))
        return redirect(f"{thread.get_absolute_url()}#poll")
    return render(
        request,
        "discussions/poll_add.html",
        {"community": thread.community, "thread": thread, "poll_form": form},
        status=400 if form.errors else 200,
    )
