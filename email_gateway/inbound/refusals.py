"""What we tell someone whose email we did not post, in plain words: why, and what to do.

Each function returns a Refusal; `as_answer()` is what the answer email renders (it is stored
on the InboundMessage, so a retried task says the same thing). The services decide; this only
explains their decision in mail terms (the web's "your text is kept below" means nothing in a
mail client).

The words are translated into the language active when the refusal is built (it is stored
already worded), so build it inside the recipient's language.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _

from communities.models import MembershipState
from communities.services import membership_of
from cop_platform.email import absolute_url


@dataclass(frozen=True)
class Refusal:
    reason: str
    advice: str = ""
    link_url: str = ""
    link_label: str = ""
    community_id: int | None = None
    notes: list[str] = field(default_factory=list)

    def as_answer(self, *, subject: str = "", posted: bool = False) -> dict:
        return {
            "posted": posted,
            "reason": self.reason,
            "advice": self.advice,
            "link_url": self.link_url,
            "link_label": self.link_label,
            "community_id": self.community_id,
            "notes": self.notes,
            "original_subject": subject[:300],
        }


def error_text(error) -> str:
    """The member-readable words of a service's PermissionDenied / ValidationError."""
    if isinstance(error, ValidationError):
        words = " ".join(str(message) for message in error.messages)
    else:
        words = str(error) or _("You are not allowed to do that.")
    for web_only in ("; your text is kept below", " your text is kept below.", "; your text is kept"):
        words = words.replace(web_only, "")
    return words.strip()


def _site() -> str:
    return absolute_url("/")


def _about(place, community, *, reason: str, advice: str, label: str) -> Refusal:
    """A refusal about a thread or a community, linking to it."""
    return Refusal(
        reason=reason,
        advice=advice,
        link_url=absolute_url(place.get_absolute_url()),
        link_label=label,
        community_id=community.pk,
    )


def is_member(user, community) -> bool:
    membership = membership_of(user, community) if user is not None else None
    return membership is not None and membership.state == MembershipState.ACTIVE


def too_large(size: int) -> Refusal:
    limit = settings.INBOUND_EMAIL_MAX_BYTES
    return Refusal(
        reason=_("Your message is %(size)s, more than the %(limit)s we accept by email.")
        % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
        advice=_("Send a shorter message, or share large files from the website instead."),
        link_url=_site(),
        link_label=_("Open the website"),
    )


def unknown_address(address: str) -> Refusal:
    if "+" in address.partition("@")[0]:
        return Refusal(
            reason=_(
                "The reply address you wrote to no longer works: it was mistyped, or its owner "
                "stopped their reply addresses."
            ),
            advice=_("Reply from the website, or to a newer notification email."),
            link_url=_site(),
            link_label=_("Open the website"),
        )
    return Refusal(
        reason=_("There is no community at %(address)s.") % {"address": address},
        advice=_("Check the address on the community's page on the website."),
        link_url=absolute_url(reverse("communities:directory")),
        link_label=_("See the communities"),
    )


def unreadable(reason: str) -> Refusal:
    return Refusal(reason=reason, advice=_("Nothing was posted. Try sending it again as plain text."))


def thread_gone() -> Refusal:
    return Refusal(
        reason=_("The discussion you replied to is no longer there, or you can no longer see it."),
        advice=_("Nothing was posted. You can start a new discussion on the website."),
        link_url=_site(),
        link_label=_("Open the website"),
    )


def empty_body(*, thread=None, community=None) -> Refusal:
    place = thread or community
    return Refusal(
        reason=_("Your message had no text of its own (only quoted text, or nothing at all)."),
        advice=_("Write your reply above the quoted message and send it again."),
        link_url=absolute_url(place.get_absolute_url()) if place is not None else _site(),
        link_label=_("Open it on the website"),
        community_id=community.pk if community else (thread.community_id if thread else None),
    )


def empty_subject(community) -> Refusal:
    return _about(
        community,
        community,
        reason=_("Your message had no subject, and the subject becomes the title of the new discussion."),
        advice=_("Send it again with a subject that says what it is about."),
        label=_("Open %(name)s") % {"name": community.name},
    )


def unknown_sender(community) -> Refusal:
    return _about(
        community,
        community,
        reason=_(
            "Only members of %(name)s can start discussions by email, and the address you "
            "wrote from is not the verified address of a member."
        )
        % {"name": community.name},
        advice=_(
            "Join %(name)s on the website (or make this your primary address in your settings), "
            "then send your message again."
        )
        % {"name": community.name},
        label=_("How to join %(name)s") % {"name": community.name},
    )


def _membership_refusal(user, community) -> Refusal | None:
    membership = membership_of(user, community)
    name = community.name
    if membership is not None and membership.state == MembershipState.BANNED:
        return _about(
            community,
            community,
            reason=_("A coordinator of %(name)s removed you from the community, so you can no longer post there.")
            % {"name": name},
            advice=_("If you think this is a mistake, write to one of its coordinators (listed on its page)."),
            label=_("Open %(name)s") % {"name": name},
        )
    if membership is not None and membership.state == MembershipState.PENDING:
        return _about(
            community,
            community,
            reason=_("Your request to join %(name)s is still waiting for a coordinator.") % {"name": name},
            advice=_("You can post once it is approved; send your message again then."),
            label=_("Open %(name)s") % {"name": name},
        )
    if membership is None or membership.state != MembershipState.ACTIVE:
        return _about(
            community,
            community,
            reason=_("You are not a member of %(name)s (you left, or were never a member), so you cannot post there.")
            % {"name": name},
            advice=_("Join %(name)s on the website, then send your message again.") % {"name": name},
            label=_("Join %(name)s") % {"name": name},
        )
    return None


def cannot_start_thread(user, community) -> Refusal | None:
    """Why `user` cannot start a thread in `community`, or None when they can (staff can)."""
    if user.is_staff:
        return None
    return _membership_refusal(user, community)


def _rate_or_generic(error, place, community) -> Refusal:
    words = error_text(error)
    # The services' rate-limit refusals, known by their code or (uncoded) by their English words.
    if getattr(error, "code", None) == "rate_limited" or "fast" in words or "only a few threads" in words:
        return _about(
            place,
            community,
            reason=_("You sent several messages in a short time, more than we accept at once."),
            advice=_("Nothing was posted. Wait a little (an hour for new members' discussions) and send it again."),
            label=_("Open it on the website"),
        )
    return _about(place, community, reason=words, advice=_("Nothing was posted."), label=_("Open it on the website"))


def for_reply(*, user, thread, error) -> Refusal:
    community = thread.community
    if refusal := cannot_start_thread(user, community):
        return refusal
    if thread.is_closed or thread.is_locked:
        if thread.is_closed:
            reason = _("The discussion “%(title)s” is closed to new replies.")
        else:
            reason = _("The discussion “%(title)s” was locked by a coordinator: only coordinators can reply now.")
        return _about(
            thread,
            community,
            reason=reason % {"title": thread.title},
            advice=_(
                "Nothing was posted. You can start a new discussion on the website, or by email to the community."
            ),
            label=_("Open the discussion"),
        )
    return _rate_or_generic(error, thread, community)


def for_thread(*, user, community, error) -> Refusal:
    if refusal := cannot_start_thread(user, community):
        return refusal
    return _rate_or_generic(error, community, community)


def posted_with_notes(notes: list[str], *, url: str) -> dict:
    """The answer for a message that was posted, but without some of its files."""
    return Refusal(
        reason=_("Your message was posted, but some of what it carried could not be attached:"),
        advice=_("You can add files from the website by editing your post."),
        link_url=absolute_url(url),
        link_label=_("See your post"),
        notes=notes,
    ).as_answer(posted=True)
