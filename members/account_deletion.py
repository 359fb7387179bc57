"""Deleting one's own account: the way back from signing up.

A member's contributions stay with their communities (threads, posts, resources and practices
keep their text and show "a former member" as author, because their foreign keys are SET_NULL);
everything personal goes: the profile, photo, email addresses, memberships, notifications,
reactions and reading state.

Members sits below the apps that hold the rest of a member's footprint, so those apps register
what deleting an account means for them (`register_deletion_check` to refuse, for instance for
the last coordinator of a community, and `register_deletion_step` to tidy their denormalised
counters before the rows cascade away).
"""

from collections.abc import Callable
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .models import User

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


def account_delete(*, actor, user: User, password: str) -> None:
    """Delete `user`'s account for good. Only the member themself, who confirms with their
    password (a session left open on a shared computer is not enough). Raises ValidationError
    with every reason that blocks it, and changes nothing then."""
    if actor is None or not actor.is_authenticated or actor.pk != user.pk:
        raise PermissionDenied("You can only delete your own account.")
    if not user.has_usable_password() or not user.check_password(password):
        raise ValidationError({"password": "That is not your password."})
    reasons = reasons_account_cannot_be_deleted(user)
    if reasons:
        raise ValidationError(reasons)
    avatar_name, storage = user.avatar.name, user.avatar.storage
    with transaction.atomic():
        # Checked again under the transaction: a check may depend on rows the steps lock.
        reasons = reasons_account_cannot_be_deleted(user)
        if reasons:
            raise ValidationError(reasons)
        for step in _steps:
            step(user)
        user.expertise.clear()
        user.delete()
        if avatar_name:
            transaction.on_commit(partial(storage.delete, avatar_name))
