"""Issue 14's "done when": a member follows and takes part in a community from their mail client
alone, through real SMTP conversations (tests/email_gateway/mta.py): list mail in, replies out,
the reply on the thread, and the next list mail threaded under what the member answered.

Needs mailing-list mode (mail-out's branch: Membership.mailing_list_mode); skipped, saying so,
where it is not merged yet. Postgres only, like the other end-to-end tests.
"""

import time

import pytest

from communities.models import Membership
from discussions.models import Post
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory

from .mta import mail_client_message, mail_fixture, send_by_smtp, sink_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration


def needs_mailing_list_mode():
    if not any(field.name == "mailing_list_mode" for field in Membership._meta.get_fields()):
        pytest.skip("Mailing-list mode (mail-out) is not in this tree")


def wait_for_mail(sink, address: str, count: int, timeout: float = 15) -> list:
    deadline = time.monotonic() + timeout
    while len(sink.to(address)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return sink.to(address)


def test_a_member_follows_and_takes_part_in_a_community_from_their_mail_client_alone(mail, sink, client):
    needs_mailing_list_mode()
    community = CommunityFactory(name="Watershed Practice", slug="watershed")
    otto = MembershipFactory(community=community, user=UserFactory(username="otto")).user
    mira = MembershipFactory(
        community=community, user=UserFactory(username="mira", display_name="Mira Okafor"), mailing_list_mode=True
    ).user
    lina = MembershipFactory(community=community, user=UserFactory(username="lina"), mailing_list_mode=True).user

    # 1. A post on the web reaches Mira's mailbox as list mail.
    thread = make_thread(community=community, author=otto, title="Check dams that silt up", body="Why so fast?")
    opening = thread.posts.get(is_opening=True)
    [list_mail] = wait_for_mail(sink, mira.email, 1)
    assert list_mail["List-Id"] and list_mail["Message-ID"]
    assert "Why so fast?" in list_mail.get_body(("plain",)).get_content()

    # 2. Mira answers from her mail client: "Reply" goes to the list mail's Reply-To.
    answer = mail_client_message(
        sender=mira.email,
        to=list_mail["Reply-To"],
        subject=f"Re: {list_mail['Subject']}",
        body="Steep catchments: add a stone spillway.\n\nOtto wrote:\n> Why so fast?",
        in_reply_to=list_mail["Message-ID"],
    )
    assert send_by_smtp(mail, answer, sender=mira.email) == {}, [d.output for d in mail.deliveries]

    # 3. Her answer is on the thread, as her (an answer to the opening post is a top-level reply).
    reply = Post.objects.get(thread=thread, is_opening=False)
    assert reply.author == mira and reply.parent_id in (None, opening.pk)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "add a stone spillway" in page and "Mira Okafor" in page

    # 4. Lina, also on the list, gets Mira's answer threaded under the opening post.
    first, second = wait_for_mail(sink, lina.email, 2)
    assert first["Message-ID"] == list_mail["Message-ID"]
    assert second["In-Reply-To"] == list_mail["Message-ID"]
    assert list_mail["Message-ID"] in second["References"]
    assert "add a stone spillway" in second.get_body(("plain",)).get_content()
    assert len(sink.to(mira.email)) == 1  # nobody gets their own post back
