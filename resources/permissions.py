"""Who may do what in the library: pure predicates of (user, resource or community, membership)."""

from communities.permissions import can_coordinate, is_active_member


def can_add_resource(user, community, membership) -> bool:
    return user.is_authenticated and (is_active_member(membership) or user.is_staff)


def can_edit_resource(user, resource, membership) -> bool:
    """Authors (and a practice's owner) edit their own while they are members; coordinators
    edit anything in their community."""
    if can_coordinate(user, resource.community, membership):
        return True
    is_theirs = user.is_authenticated and user.pk in (resource.author_id, resource.owner_id)
    return is_theirs and is_active_member(membership)


def can_delete_resource(user, resource, membership) -> bool:
    return can_edit_resource(user, resource, membership)


def can_curate(user, community, membership) -> bool:
    """Feature and archive: the community's coordinators and staff."""
    return can_coordinate(user, community, membership)
