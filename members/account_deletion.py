"""Deleting one's own account: the way back from signing up.

A member's contributions stay with their communities (threads, posts, resources and practices
keep their text and show "a former member" as author, because their foreign keys are SET_NULL);
everything personal goes: the profile, photo, email addresses, memberships, notifications,
reactions and reading state.

And no name stays behind. Rows about other members never copy a name (notifications show the
actor's live name, members.models.Notification.text); the few records that must say what was
sent or done at the time lose hers inside the deleting transaction: the email log's subjects
of emails about her posts, the account emails to her addresses, the admin's log of changes to
her account, and, through the steps the apps register, invitations and audit entries naming
her address and the links of other members' @mentions of her. Her name survives only in what
other members wrote themselves (a quote, the text of a mention): README "What deletion removes
and what stays". No search vector holds a member's name but her own profile's, deleted here.

Members sits below the apps that hold the rest of a member's footprint, so those apps register
what deleting an account means for them (`register_deletion_check` to refuse, for instance for
the last coordinator of a community, and `register_deletion_step` to tidy their denormalised
counters before the rows cascade away).
"""

import re
from collections.abc import Callable
from functools import partial

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cop_platform.page_cache import invalidate_site

from .models import FORMER_MEMBER, AccountEmail, Notification, User

DeletionCheck = Callable[[User], list[str]]  # reasons the account cannot be deleted yet
DeletionStep = Callable[[User], None]  # runs inside the deleting transaction
_checks: list[DeletionCheck] = []
_steps: list[DeletionStep] = []


def register_deletion_check(check: DeletionCheck) -> None:
    _checks.append(check)


def register_deletion_step(step: DeletionStep) -> None:
    _steps.append(step)


def reasons_account_cannot_be_deleted(user: User) -> list[str]:
    return [reason for check in _checks for reason in check(user)]


def addresses_of(user: User) -> set[str]:
    """Every email address of `user`, lower-cased: for steps that forget rows sent to them."""
    addresses = set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    return {address.lower() for address in addresses | {user.email} if address}


def names_of(user: User) -> list[str]:
    """What names `user` in text: display name, full name, username and addresses, longest
    first (so "Carmen López" goes before "Carmen")."""
    names = {user.display_name, user.get_full_name(), user.username, *addresses_of(user)}
    return sorted({name.strip() for name in names if name and name.strip()}, key=len, reverse=True)


def without_names(text: str, names: list[str]) -> str:
    """`text` with each whole-word occurrence of `names` replaced by "a former member"."""
    if not names:
        return text
    pattern = r"(?<!\w)(" + "|".join(map(re.escape, names)) + r")(?!\w)"
    return re.sub(pattern, FORMER_MEMBER, text, flags=re.IGNORECASE)


def _email_log_forgets(user: User) -> None:
    """The email log keeps each email's subject; a reply or mention email about one of her
    posts said her name there ("[Site] Carmen replied to ..."). It says "A former member"
    now, like the notification it came from."""
    prefix = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
    about_her = Notification.objects.filter(actor=user, email_delivery__isnull=False).select_related("email_delivery")
    for notification in about_her:
        delivery = notification.email_delivery
        if delivery.subject.endswith(f" {notification.title}"):
            start = prefix if prefix and delivery.subject.startswith(prefix) else ""
            delivery.subject = f"{start}{FORMER_MEMBER.capitalize()} {notification.title}"[:300]
            delivery.save(update_fields=["subject"])


def _account_emails_forget(user: User) -> None:
    """Account emails (confirmations, password resets) to her addresses: hers alone."""
    query = Q()
    for address in addresses_of(user):
        query |= Q(to__iexact=address)
    AccountEmail.objects.filter(query).delete()


def _admin_log_forgets(user: User) -> None:
    """/admin/'s history names the objects staff changed: her account, her memberships."""
    own = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
    own.update(object_repr=FORMER_MEMBER)
    names = names_of(user)
    mentioning = Q()
    for name in names:
        mentioning |= Q(object_repr__icontains=name)
    for entry in LogEntry.objects.filter(mentioning).only("object_repr"):
        entry.object_repr = without_names(entry.object_repr, names)[:200]
        entry.save(update_fields=["object_repr"])


def account_delete(*, actor, user: User, password: str) -> None:
    """Delete `user`'s account for good. Only the member themself, who confirms with their
    password (a session left open on a shared computer is not enough). Raises ValidationError
    with every reason that blocks it, and changes nothing then."""
    if actor is None or not actor.is_authenticated or actor.pk != user.pk:
        raise PermissionDenied("You can only delete your own account.")
    if not user.has_usable_password() or not user.check_password(password):
        raise ValidationError({"password": _("That is not your password.")})
    reasons = reasons_account_cannot_be_deleted(user)
    if reasons:
        raise ValidationError(reasons)
    avatar_name, storage, was_active = user.avatar.name, user.avatar.storage, user.is_active
    try:
        with transaction.atomic():
            # Checked again under the transaction: a check may depend on rows the steps lock.
            reasons = reasons_account_cannot_be_deleted(user)
            if reasons:
                raise ValidationError(reasons)
            # From here on she is a former member to everything the steps render (an @mention
            # of an inactive account links nowhere).
            user.is_active = False
            user.save(update_fields=["is_active"])
            invalidate_site()  # her posts, name and photo on every community's pages
            for step in _steps:
                step(user)
            _email_log_forgets(user)
            _account_emails_forget(user)
            _admin_log_forgets(user)
            user.expertise.clear()
            user.delete()
            if avatar_name:
                transaction.on_commit(partial(storage.delete, avatar_name))
    except Exception:
        user.is_active = was_active  # the row was rolled back; the object in hand follows it
        raise
