"""Every write to a member's profile: the rules for who may change it and what it may hold."""

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cop_platform.markdown import render_markdown
from cop_platform.page_cache import invalidate_site

from .avatars import process_avatar
from .models import User

# What a member may change about themself here. Email, password and username belong to the
# account pages (allauth), which verify them.
PROFILE_FIELDS = (
    "display_name",
    "headline",
    "bio",
    "organisation",
    "discipline",
    "country",
    "languages",
    "time_zone",
    "profile_visibility",
    "language",
)
MAX_EXPERTISE_TAGS = 30
MAX_TAG_LENGTH = 100  # taggit's Tag.name


def _can_edit_profile(actor, user) -> bool:
    return actor is not None and actor.is_authenticated and (actor.pk == user.pk or actor.is_staff)


def profile_update(*, actor, user: User, expertise=None, avatar=None, remove_avatar: bool = False, **fields) -> User:
    """Change `user`'s profile. Only the member themself or platform staff may.

    `fields` are any of PROFILE_FIELDS; `expertise` (a list of tag names) replaces the
    expertise tags; `avatar` (an uploaded file) replaces the photo, `remove_avatar` removes it.
    Everything is checked before anything is written, so a refused photo leaves the rest of
    the profile unchanged too; ValidationError carries one message per field. The bio is
    rendered to sanitised HTML here, once. A replaced or removed photo file is deleted once
    the change has committed.
    """
    if not _can_edit_profile(actor, user):
        raise PermissionDenied("You can only edit your own profile.")
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"profile_update() cannot change {', '.join(sorted(unknown))}")

    cleaned, tags, new_avatar = _validate(user=user, fields=fields, expertise=expertise, avatar=avatar)

    storage = user.avatar.storage
    old_avatar = user.avatar.name if (new_avatar is not None or remove_avatar) else ""
    update_fields = list(cleaned)
    for name, value in cleaned.items():
        setattr(user, name, value)
    if "bio" in cleaned:
        user.bio_html = render_markdown(user.bio)
        update_fields.append("bio_html")
    if new_avatar is not None:
        # upload_to picks a random name under avatars/; the file is written before the row.
        user.avatar.save(new_avatar.name, new_avatar, save=False)
        update_fields.append("avatar")
    elif remove_avatar and old_avatar:
        user.avatar = ""
        update_fields.append("avatar")
    try:
        with transaction.atomic():
            if update_fields:
                user.save(update_fields=update_fields)
                # Their name and photo are on the pages of every community they post in.
                invalidate_site()
            if tags is not None:
                user.expertise.set(tags)
            if old_avatar and "avatar" in update_fields:
                transaction.on_commit(partial(storage.delete, old_avatar))
    except Exception:
        if new_avatar is not None:
            storage.delete(user.avatar.name)
        raise
    return user


def avatar_set(*, actor, user: User, upload) -> User:
    """Replace `user`'s photo with `upload` (validated and re-encoded, see members.avatars)."""
    return profile_update(actor=actor, user=user, avatar=upload)


def avatar_remove(*, actor, user: User) -> User:
    """Remove `user`'s photo and its file."""
    return profile_update(actor=actor, user=user, remove_avatar=True)


def _validate(*, user: User, fields: dict, expertise, avatar):
    """Every proposed change checked before anything is written: (field values, expertise
    tags or None, re-encoded photo or None). Raises one ValidationError naming each bad field."""
    errors: dict[str, ValidationError] = {}
    cleaned = {}
    for name, value in fields.items():
        try:
            cleaned[name] = User._meta.get_field(name).clean(value, user)
        except ValidationError as error:
            errors[name] = error
    tags = new_avatar = None
    if expertise is not None:
        try:
            tags = _clean_expertise(expertise)
        except ValidationError as error:
            errors["expertise"] = error
    if avatar is not None:
        try:
            new_avatar = process_avatar(avatar)
        except ValidationError as error:
            errors["avatar"] = error
    if errors:
        raise ValidationError(errors)
    return cleaned, tags, new_avatar


def _clean_expertise(names) -> list[str]:
    """Trimmed, de-duplicated (ignoring case) tag names, in the order given."""
    tags: list[str] = []
    seen: set[str] = set()
    for raw in names:
        name = " ".join(str(raw).split())
        if not name or name.casefold() in seen:
            continue
        if len(name) > MAX_TAG_LENGTH:
            raise ValidationError(
                _("Each expertise tag can be at most %(limit)d characters; “%(tag)s…” is longer."),
                code="tag_too_long",
                params={"limit": MAX_TAG_LENGTH, "tag": name[:30]},
            )
        seen.add(name.casefold())
        tags.append(name)
    if len(tags) > MAX_EXPERTISE_TAGS:
        raise ValidationError(
            _("List at most %(limit)d areas of expertise (you gave %(count)d)."),
            code="too_many_tags",
            params={"limit": MAX_EXPERTISE_TAGS, "count": len(tags)},
        )
    return tags
