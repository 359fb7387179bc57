"""Members in the staff admin: staff manage accounts and profiles at /admin/; coordinators
have no way to browse users, neither there nor on /manage/."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.members.factories import UserFactory

USERS = reverse("admin:members_user_changelist")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def user_form(user, **changes):
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "display_name": user.display_name,
        "headline": user.headline,
        "bio": user.bio,
        "discipline": user.discipline,
        "country": str(user.country),
        "languages": "",
        "expertise": "",
        "time_zone": user.time_zone,
        "profile_visibility": user.profile_visibility,
    }
    return {**data, **changes}


def test_staff_find_a_member_by_display_name(staff_client, member):
    response = staff_client.get(USERS, {"q": member.display_name})

    assert response.status_code == 200
    assert member.username in response.content.decode()


def test_staff_see_the_profile_fields_on_a_member(staff_client, member):
    response = staff_client.get(reverse("admin:members_user_change", args=[member.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Profile" in page
    assert 'name="display_name"' in page
    assert 'name="expertise"' in page
    assert 'name="avatar"' not in page  # photos are only stored re-encoded by the service


def test_staff_editing_a_bio_updates_the_rendered_profile(staff_client, member):
    url = reverse("admin:members_user_change", args=[member.pk])

    response = staff_client.post(url, user_form(member, bio="Now **moderated**."))

    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert member.bio == "Now **moderated**."
    assert "<strong>moderated</strong>" in member.bio_html


def test_staff_can_add_a_member(staff_client, db):
    response = staff_client.post(
        reverse("admin:members_user_add"),
        {
            "username": "newbie",
            "usable_password": "true",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
        },
    )

    assert response.status_code == 302
    assert get_user_model().objects.filter(username="newbie").exists()


def test_staff_remove_a_members_photo(staff_client, settings, member):
    avatar_dir = settings.MEDIA_ROOT / "avatars"
    avatar_dir.mkdir(parents=True)
    (avatar_dir / "photo.png").write_bytes(b"png")
    member.avatar = "avatars/photo.png"
    member.save(update_fields=["avatar"])

    staff_client.post(USERS, {"action": "remove_avatars", "index": 0, "_selected_action": [member.pk]})

    member.refresh_from_db()
    assert not member.avatar


def test_coordinator_cannot_browse_users_on_the_staff_admin(client, coordinator):
    client.force_login(coordinator)

    response = client.get(USERS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_users_are_not_on_the_coordinator_panel(client, coordinator):
    client.force_login(coordinator)
    UserFactory(username="stranger")

    assert client.get("/manage/members/user/").status_code == 404
    assert "stranger" not in client.get(reverse("manage:index")).content.decode()
