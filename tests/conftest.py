"""Fixtures for the usual roles. Each test gets its own fresh objects from the factories."""

import pytest

from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    """Cheap password hashing, in-memory email, uploads in a temporary folder."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def member(db):
    return UserFactory(username="mira")


@pytest.fixture
def other_member(db):
    return UserFactory(username="otto")


@pytest.fixture
def staff(db):
    return UserFactory(username="stella", is_staff=True, is_superuser=True)


@pytest.fixture
def community(db):
    """An open public community with one coordinator (`coordinator` fixture)."""
    return CommunityFactory(name="Water Security", slug="water-security")


@pytest.fixture
def coordinator(community):
    return MembershipFactory(community=community, role="coordinator", user=UserFactory(username="cora")).user


@pytest.fixture
def active_membership(community, member, coordinator):
    return MembershipFactory(community=community, user=member)
