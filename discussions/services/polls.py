"""Polls in threads: adding one (with a new thread or to an existing one), voting, changing and
withdrawing a vote, closing early and reopening.

Every vote is written under the poll's row lock (`SELECT ... FOR UPDATE` on Postgres; SQLite
locks the whole database for a write), so a member's two clicks on two options of a
single-choice poll, sent at once from two tabs, leave one vote, never two. The unique
(option, user) constraint is the guarantee behind a double click on the same option.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from communities.models import Community
from communities.services import membership_of
from cop_platform.page_cache import invalidate

from .. import permissions
from ..models import POLL_MAX_OPTIONS, POLL_MIN_OPTIONS, Poll, PollOption, PollResults, PollVote, Thread
from . import posting


@dataclass(frozen=True)
class PollSpec:
    """What a member asked for, as the poll form parsed it."""

    question: str
    options: list[str]
    multiple: bool = False
    max_choices: int | None = None
    closes_at: datetime | None = None
    results: str = PollResults.ON_VOTE


def poll_spec_clean(spec: PollSpec, *, now) -> PollSpec:
    """The rules a poll must keep, with messages next to the fields they name."""
    errors = {}
    question = (spec.question or "").strip()
    if not question:
        errors["question"] = gettext("Write the question members vote on.")
    options = [text.strip() for text in spec.options if text and text.strip()]
    if len(options) < POLL_MIN_OPTIONS or len(options) > POLL_MAX_OPTIONS:
        errors["options"] = gettext("Give between %(min)s and %(max)s options, one per line.") % {
            "min": POLL_MIN_OPTIONS,
            "max": POLL_MAX_OPTIONS,
        }
    elif len({text.casefold() for text in options}) != len(options):
        errors["options"] = gettext("Each option must be different.")
    elif any(len(text) > PollOption._meta.get_field("text").max_length for text in options):
        errors["options"] = gettext("Keep each option under 200 characters.")
    max_choices = spec.max_choices if spec.multiple else None
    if max_choices is not None and not 1 <= max_choices <= len(options):
        errors["max_choices"] = gettext("Members cannot pick more options than the poll has.")
    if spec.closes_at is not None and spec.closes_at <= now:
        errors["closes_at"] = gettext("Choose a closing time in the future.")
    if spec.results not in PollResults.values:
        errors["results"] = gettext("Choose when members see the results.")
    if errors:
        raise ValidationError(errors)
    return PollSpec(question, options, spec.multiple, max_choices, spec.closes_at, spec.results)


def _save_poll(*, actor, thread: Thread, spec: PollSpec) -> Poll:
    poll = Poll.objects.create(
        thread=thread,
        question=spec.question,
        multiple=spec.multiple,
        max_choices=spec.max_choices,
        closes_at=spec.closes_at,
        results=spec.results,
        created_by=actor,
    )
    PollOption.objects.bulk_create(
        PollOption(poll=poll, position=position, text=text) for position, text in enumerate(spec.options, start=1)
    )
    return poll


def poll_create(*, actor, thread: Thread, spec: PollSpec) -> Poll:
    """Add a poll to a thread that has none: its author (while a member) and the
    coordinators. One poll per thread (the one-to-one column guarantees it)."""
    if not permissions.can_add_poll(actor, thread, membership_of(actor, thread.community)):
        raise PermissionDenied(
            gettext("Only the thread's author, while a member, and the coordinators can add a poll.")
        )
    spec = poll_spec_clean(spec, now=timezone.now())
    with transaction.atomic():
        invalidate(thread.community)  # the thread's anonymous pages show it (cop_platform/page_cache.py)
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        if Poll.objects.filter(thread=thread).exists():
            raise ValidationError(gettext("This thread already has a poll."))
        return _save_poll(actor=actor, thread=thread, spec=spec)


def thread_create_with_poll(*, actor, community: Community, poll: PollSpec | None, **thread_data) -> Thread:
    """Start a thread with a poll, both or neither. A resent form (same submission key)
    returns the thread it started, with its poll, and adds nothing."""
    spec = poll_spec_clean(poll, now=timezone.now()) if poll is not None else None
    with transaction.atomic():
        thread = posting.thread_create(actor=actor, community=community, **thread_data)
        if spec is not None and not Poll.objects.filter(thread=thread).exists():
            _save_poll(actor=actor, thread=thread, spec=spec)
    return thread


def _locked_poll(poll: Poll) -> Poll:
    # of=self: lock the poll only, not the thread and community rows joined for the rules.
    return Poll.objects.select_for_update(of=("self",)).select_related("thread__community").get(pk=poll.pk)


def poll_vote(*, actor, poll: Poll, option_ids) -> list[int]:
    """Set `actor`'s vote to exactly `option_ids` (a first vote or a change). Active members
    only, while the poll is open; one option in a single-choice poll, at most `max_choices`
    in a multiple-choice one. Returns the chosen option ids."""
    chosen = {int(option_id) for option_id in option_ids}
    if not chosen:
        raise ValidationError(gettext("Choose an option to vote."))
    with transaction.atomic():
        poll = _locked_poll(poll)
        invalidate(poll.thread.community)  # counts and state shown on the thread's anonymous pages
        if not permissions.can_vote(actor, poll, membership_of(actor, poll.thread.community)):
            raise PermissionDenied(_why_no_vote(actor, poll))
        valid = set(poll.options.filter(pk__in=chosen).values_list("pk", flat=True))
        if valid != chosen:
            raise ValidationError(gettext("Choose among this poll's options."))
        limit = poll.choice_limit
        if limit is not None and len(chosen) > limit:
            raise ValidationError(
                ngettext("Choose at most %(limit)s option.", "Choose at most %(limit)s options.", limit)
                % {"limit": limit}
                if limit != 1
                else gettext("Choose one option.")
            )
        mine = PollVote.objects.filter(option__poll=poll, user=actor)
        mine.exclude(option_id__in=chosen).delete()
        already = set(mine.values_list("option_id", flat=True))
        PollVote.objects.bulk_create(PollVote(option_id=pk, user=actor) for pk in sorted(chosen - already))
    return sorted(chosen)


def poll_withdraw(*, actor, poll: Poll) -> None:
    """Take back `actor`'s vote while the poll is open (closed results stay as they were)."""
    with transaction.atomic():
        poll = _locked_poll(poll)
        invalidate(poll.thread.community)  # counts and state shown on the thread's anonymous pages
        if not permissions.can_vote(actor, poll, membership_of(actor, poll.thread.community)):
            raise PermissionDenied(_why_no_vote(actor, poll))
        PollVote.objects.filter(option__poll=poll, user=actor).delete()


def _why_no_vote(actor, poll: Poll) -> str:
    if poll.is_closed():
        return gettext("This poll is closed.")
    if poll.thread.is_closed or poll.thread.hidden_at is not None:
        return gettext("This thread is closed, and so is its poll.")
    return gettext("Only active members of this community can vote.")


def poll_close(*, actor, poll: Poll) -> Poll:
    """Close a poll before its closing time: the thread's author and the coordinators.
    Its results become visible to everyone who can read the thread."""
    with transaction.atomic():
        poll = _locked_poll(poll)
        invalidate(poll.thread.community)  # counts and state shown on the thread's anonymous pages
        if not permissions.can_manage_poll(actor, poll, membership_of(actor, poll.thread.community)):
            raise PermissionDenied(gettext("Only the thread's author and the coordinators can close this poll."))
        if not poll.is_closed():
            poll.closed_at = timezone.now()
            poll.save(update_fields=["closed_at"])
    return poll


def poll_reopen(*, actor, poll: Poll) -> Poll:
    """Open a closed poll again. A closing time already past is dropped (the poll then stays
    open until closed by hand), or the poll would close again at once."""
    with transaction.atomic():
        poll = _locked_poll(poll)
        invalidate(poll.thread.community)  # counts and state shown on the thread's anonymous pages
        if not permissions.can_manage_poll(actor, poll, membership_of(actor, poll.thread.community)):
            raise PermissionDenied(gettext("Only the thread's author and the coordinators can reopen this poll."))
        poll.closed_at = None
        if poll.closes_at is not None and poll.closes_at <= timezone.now():
            poll.closes_at = None
        poll.save(update_fields=["closed_at", "closes_at"])
    return poll
