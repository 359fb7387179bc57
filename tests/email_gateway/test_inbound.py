"""Taking part by email: a reply to a notification becomes a post as that member, in the right
place, with only what they wrote; a message to a community address starts a thread."""

import io

import pytest
from PIL import ExifTags, Image

from discussions.models import Post, PostAttachment, Thread
from discussions.services.attachments import attachment_storage
from email_gateway.addresses import community_address, reply_address
from email_gateway.inbound import receive
from email_gateway.message_ids import post_message_id
from email_gateway.models import InboundMessage
from members.account_deletion import account_delete
from tests.discussions.factories import make_reply, make_thread
from tests.email_gateway import mail
from tests.resources.test_image_metadata import TELLTALES, phone_jpeg

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def reply_to(thread, member, **kwargs) -> bytes:
    return mail.raw(to=reply_address(member, thread.pk), sender=member.email, **kwargs)


def test_a_reply_by_email_becomes_a_top_level_post_by_that_member(deliver, thread, member, mailoutbox):
    outcome = deliver(reply_to(thread, member, text="Thanks, that works for us."))

    assert outcome.status == "posted" and outcome.exit_code == 0
    post = Post.objects.get(pk=outcome.post_id)
    assert (post.author, post.thread, post.parent, post.body) == (member, thread, None, "Thanks, that works for us.")
    thread.refresh_from_db()
    assert thread.reply_count == 1
    record = InboundMessage.objects.get()
    assert (record.status, record.post, record.user, record.transport) == ("posted", post, member, "test")
    assert mail.answers(mailoutbox) == []  # a plain successful reply needs no answer


def test_a_reply_to_a_post_email_nests_under_that_post(deliver, thread, member, coordinator, other_member):
    answered = make_reply(thread=thread, author=coordinator, body="Which kit did you use?")
    outcome = deliver(
        reply_to(thread, member, in_reply_to=post_message_id(answered), references=post_message_id(answered))
    )
    assert Post.objects.get(pk=outcome.post_id).parent == answered


def test_references_naming_a_post_of_another_thread_give_a_top_level_reply(deliver, thread, community, member):
    elsewhere = make_thread(community=community, author=member, title="Elsewhere")
    other_post = make_reply(thread=elsewhere, author=member)
    outcome = deliver(reply_to(thread, member, in_reply_to=post_message_id(other_post)))
    post = Post.objects.get(pk=outcome.post_id)
    assert (post.thread, post.parent) == (thread, None)


GMAIL = (
    "Thanks, that works for us.\n\n"
    "On Mon, Dec 1, 2026 at 10:00 AM Cora <notifications@example.org> wrote:\n\n"
    "> Has anyone tried the new kits?\n> They are cheap.\n"
)
OUTLOOK = (
    "Thanks, that works for us.\r\n\r\n"
    "Best regards,\r\nMira\r\n\r\n"
    "________________________________\r\n"
    "From: CoP Platform <notifications@example.org>\r\n"
    "Sent: Monday, December 1, 2026 10:00 AM\r\n"
    "To: Mira <mira@example.org>\r\n"
    "Subject: Re: Field water testing\r\n\r\n"
    "Has anyone tried the new kits?\r\n"
)
APPLE = (
    "Thanks, that works for us.\n\nSent from my iPhone\n\n"
    "> On 1 Dec 2026, at 10:00, Cora <notifications@example.org> wrote:\n>\n> Has anyone tried the new kits?\n"
)
SIGNATURE = "Thanks, that works for us.\n\n-- \nMira Okafor\nField engineer, Water Board\n"
GERMAN = "Thanks, that works for us.\n\nAm 01.12.2026 um 10:00 schrieb Cora <notifications@example.org>:\n> Frage\n"


@pytest.mark.parametrize(
    "text", [GMAIL, OUTLOOK, APPLE, SIGNATURE, GERMAN], ids=["gmail", "outlook", "apple", "sig", "de"]
)
def test_quoted_history_and_signatures_are_cut_off(deliver, thread, member, text):
    outcome = deliver(reply_to(thread, member, text=text))
    assert Post.objects.get(pk=outcome.post_id).body == "Thanks, that works for us."


def test_markdown_indentation_survives_the_quote_stripping(deliver, thread, member):
    text = "Try this:\n\n    ph = read_probe()\n\n- step one\n    - nested\n\nOn Mon, Dec 1 Cora wrote:\n> old\n"
    outcome = deliver(reply_to(thread, member, text=text))
    assert Post.objects.get(pk=outcome.post_id).body == "Try this:\n\n    ph = read_probe()\n\n- step one\n    - nested"


def test_html_only_mail_is_converted_to_markdown_and_sanitised(deliver, thread, member):
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<p>We used the <b>blue</b> kits, see <a href='https://example.org/kits'>the list</a>.</p>"
        "<script>alert(1)</script><p onclick='x()'>Second paragraph</p>"
        "<div class='gmail_quote'><p>On Monday Cora wrote:</p><blockquote>old text</blockquote></div>"
        "</body></html>"
    )
    outcome = deliver(reply_to(thread, member, text=None, html=html))
    post = Post.objects.get(pk=outcome.post_id)
    assert "**blue**" in post.body and "[the list](https://example.org/kits)" in post.body
    assert "old text" not in post.body and "alert" not in post.body and "color" not in post.body
    assert "<strong>blue</strong>" in post.body_html
    assert "onclick" not in post.body_html and "<script" not in post.body_html


OUTLOOK_WEB_HTML = (
    '<div dir="ltr"><p>I agree with <b>Ana</b>.</p></div><div id="appendonsend"></div><hr>'
    '<div id="divRplyFwdMsg"><b>From:</b> CoP Platform<br><b>Sent:</b> Monday<br><b>Subject:</b> Re: Field</div>'
    "<div><p>the quoted body</p></div>"
)
OUTLOOK_DESKTOP_HTML = (
    "<div class=WordSection1><p class=MsoNormal>I agree with <b>Ana</b>.</p><p class=MsoNormal>&nbsp;</p>"
    "<div style='border:none;border-top:solid #E1E1E1 1.0pt'><p class=MsoNormal><b>From:</b> CoP Platform "
    "&lt;n@example.org&gt;<br><b>Sent:</b> Monday, 1 December 2026 10:00<br><b>To:</b> Mira<br>"
    "<b>Subject:</b> Re: Field</p></div><p class=MsoNormal>the quoted body</p></div>"
)
APPLE_HTML = (
    '<body dir="auto">I agree with <b>Ana</b>.<br><br><div dir="ltr">Sent from my iPhone</div>'
    '<blockquote type="cite">On 1 Dec 2026, at 10:00, Ana wrote:<br>the quoted body</blockquote></body>'
)


@pytest.mark.parametrize("html", [OUTLOOK_WEB_HTML, OUTLOOK_DESKTOP_HTML, APPLE_HTML], ids=["owa", "outlook", "apple"])
def test_html_replies_lose_their_quoted_history(deliver, thread, member, html):
    outcome = deliver(reply_to(thread, member, text=None, html=html))
    assert Post.objects.get(pk=outcome.post_id).body.strip() == "I agree with **Ana**."


def test_attachments_go_through_the_upload_checks_and_a_refused_file_is_named(deliver, thread, member, mailoutbox):
    outcome = deliver(
        reply_to(
            thread,
            member,
            text="Photos and the report attached.",
            attachments=[
                ("dam_site.jpg", "image/jpeg", phone_jpeg()),
                ("report.pdf", "application/pdf", PDF),
                ("tool.exe", "application/octet-stream", b"MZ\x90\x00" + b"\x00" * 64),
            ],
        )
    )
    assert outcome.status == "posted"
    post = Post.objects.get(pk=outcome.post_id)
    names = sorted(post.attachments.values_list("original_name", flat=True))
    assert names == ["dam_site.jpg", "report.pdf"]
    photo = post.attachments.get(original_name="dam_site.jpg")
    with attachment_storage().open(photo.stored_name) as stored:
        data = stored.read()
    assert not [telltale for telltale in TELLTALES if telltale in data]
    assert not Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not PostAttachment.objects.filter(post=None).exists()  # nothing left waiting
    # The sender hears about the file we did not take; the post went in all the same.
    [answer] = mail.answers(mailoutbox)
    assert answer.to == [member.email]
    assert "tool.exe" in answer.body and "was posted" in answer.body
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"


def test_an_inline_image_takes_its_place_in_the_text(deliver, thread, member):
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(png, "PNG")
    html = '<p>Here is the gauge:</p><p><img src="cid:gauge@client" alt="the gauge"></p><p>Reads 7.2</p>'
    outcome = deliver(
        reply_to(
            thread,
            member,
            text=None,
            html=html,
            attachments=[("gauge.png", "image/png", png.getvalue(), "gauge@client")],
        )
    )
    post = Post.objects.get(pk=outcome.post_id)
    attachment = post.attachments.get()
    assert f"![the gauge]({attachment.get_absolute_url()})" in post.body
    assert f'src="{attachment.get_absolute_url()}"' in post.body_html


def test_a_member_starts_a_thread_by_writing_to_the_community_address(deliver, community, active_membership, member):
    outcome = deliver(
        mail.raw(
            to=community_address(community),
            sender=member.email,
            subject="Fwd: [Water] Re: Sampling kits for the dry season",
            text="Has anyone compared kits?",
            headers=mail.dmarc_pass(),
        )
    )
    assert outcome.status == "thread_started"
    thread = Thread.objects.get(pk=outcome.thread_id)
    assert (thread.community, thread.author, thread.title) == (community, member, "Sampling kits for the dry season")
    assert thread.posts.get().body == "Has anyone compared kits?"


def test_dkim_aligned_with_the_from_domain_is_enough(deliver, community, active_membership, member):
    headers = {"Authentication-Results": f"{mail.AUTHSERV_ID}; dkim=pass header.d=example.org header.s=sel"}
    outcome = deliver(mail.raw(to=community_address(community), sender=member.email, subject="Kits", headers=headers))
    assert outcome.status == "thread_started"


def test_a_redelivered_message_posts_once_even_when_its_record_was_lost(deliver, thread, member):
    data = reply_to(thread, member)
    first = deliver(data)
    InboundMessage.objects.all().delete()  # the record is gone (pruned, restored backup...)
    second = deliver(data)
    assert second.post_id == first.post_id
    assert Post.objects.filter(thread=thread, author=member).count() == 1


def test_the_envelope_recipient_wins_over_the_headers(deliver, thread, member):
    """Postfix passes ${recipient}: a Bcc'd or forwarded message still finds its address."""
    data = mail.raw(to="someone@example.org", sender=member.email)
    outcome = deliver(data, recipients=[reply_address(member, thread.pk)])
    assert outcome.status == "posted"


def test_the_headers_are_used_when_the_envelope_names_only_a_local_alias(deliver, thread, member):
    data = mail.raw(to=reply_address(member, thread.pk), sender=member.email)
    assert deliver(data, recipients=["cop@localhost"]).status == "posted"


def test_a_bottom_posted_reply_keeps_what_was_written_below_the_quote(deliver, thread, member):
    text = (
        "On Mon, Dec 1, 2026 at 10:00 AM Cora <c@example.org> wrote:\n> Which kit did you use?\n> The blue one?\n\n"
        "The blue one, yes.\n\n-- \nMira\n"
    )
    outcome = deliver(reply_to(thread, member, text=text))
    assert Post.objects.get(pk=outcome.post_id).body == "The blue one, yes."


def test_reply_to_list_at_the_community_address_answers_the_thread(deliver, thread, community, member, coordinator):
    """A mail client's "Reply to list" writes to the community address (List-Post) with the
    post it answers in In-Reply-To: that is a reply, not a new thread."""
    answered = make_reply(thread=thread, author=coordinator, body="Which kit?")
    data = mail.raw(
        to=community_address(community),
        sender=member.email,
        subject="Re: [Water Security] Field water testing",
        text="The blue one.",
        in_reply_to=post_message_id(answered),
        headers=mail.dmarc_pass(),
    )
    outcome = deliver(data)
    assert outcome.status == "posted"
    post = Post.objects.get(pk=outcome.post_id)
    assert (post.thread, post.parent, post.author) == (thread, answered, member)
    assert Thread.objects.count() == 1
    # The same message also reached the member's reply address (reply all): posted once.
    again = deliver(data, recipients=[reply_address(member, thread.pk)])
    assert again.status == "duplicate" and Post.objects.filter(author=member).count() == 1


@pytest.mark.parametrize("files", [0, 5])
def test_a_reply_by_email_costs_a_bounded_number_of_queries(thread, member, django_assert_max_num_queries, files):
    """About 25 queries, plus the webhooks' one lookup of endpoints to deliver to and the upload
    service's 3 per file (the notifications it causes run after the commit, in their own tasks)."""
    data = reply_to(thread, member, attachments=[(f"r{n}.pdf", "application/pdf", PDF) for n in range(files)])
    with django_assert_max_num_queries(29 + 3 * files):
        assert receive(data, transport="test").status == "posted"


def test_deleting_the_account_leaves_no_address_or_subject_in_the_inbound_log(deliver, thread, member):
    deliver(reply_to(thread, member, text="Thanks, that works for us.", subject="Re: my sister's well"))
    assert InboundMessage.objects.filter(sender__iexact=member.email).exists()

    account_delete(actor=member, user=member, password="correct horse battery staple")

    record = InboundMessage.objects.get()
    assert (record.sender, record.envelope_sender, record.subject, record.user) == ("", "", "", None)
    assert record.status == "posted"  # the outcome and the Message-ID stay, for duplicate detection
