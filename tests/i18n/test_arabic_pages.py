"""Arabic is partial, but the pages a member meets first read in Arabic beyond the site's
chrome: the home page, the community directory and page, and a thread list."""

import pytest
from django.urls import reverse

from tests.discussions.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def test_the_first_pages_read_in_arabic(client, community, active_membership, member, coordinator):
    thread = make_thread(community=community, author=member, title="Pumps")
    make_reply(thread=thread, author=coordinator, body="Use PVC.")
    home = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "تعلّم من الذين يقومون بالعمل نفسه" in home and 'dir="rtl"' in home

    client.force_login(member)
    directory = client.get(reverse("communities:directory"), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "البحث في المجتمعات" in directory
    page = client.get(community.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "أنت عضو في هذا المجتمع." in page
    threads = client.get(reverse("discussions:list", args=[community.slug]), HTTP_ACCEPT_LANGUAGE="ar")
    text = threads.content.decode()
    assert "بدء نقاش" in text and "Start a thread" not in text
    assert '<span class="reply-count">1</span> <span class="small muted">ردّ</span>' in text
