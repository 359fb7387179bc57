"""Message-IDs of posts: stable, MAC-checked, and readable back from a reply's headers."""

from email_gateway.message_ids import post_id_from_message_id, post_ids_from_references, post_message_id


def test_a_posts_message_id_is_stable_and_reads_back(settings):
    settings.INBOUND_EMAIL_DOMAIN = "mail.example.org"
    message_id = post_message_id(12345)
    assert message_id == post_message_id(12345)
    assert message_id.startswith("<post.") and message_id.endswith("@mail.example.org>")
    assert post_id_from_message_id(message_id) == 12345
    assert post_id_from_message_id(message_id.strip("<>")) == 12345
    assert post_id_from_message_id(message_id.upper()) == 12345


def test_a_forged_or_foreign_message_id_reads_as_nothing(settings):
    settings.INBOUND_EMAIL_DOMAIN = "mail.example.org"
    real = post_message_id(7)
    forged = real.replace("<post.7.", "<post.8.")
    assert post_id_from_message_id(forged) is None
    assert post_id_from_message_id("<CAF=abc@mail.gmail.com>") is None
    assert post_id_from_message_id("") is None
    assert post_id_from_message_id("<post.zz.@x>") is None


def test_message_ids_survive_a_change_of_domain(settings):
    settings.INBOUND_EMAIL_DOMAIN = "old.example.org"
    old = post_message_id(99)
    settings.INBOUND_EMAIL_DOMAIN = ""
    assert post_id_from_message_id(old) == 99


def test_references_are_read_nearest_first(settings):
    settings.INBOUND_EMAIL_DOMAIN = "mail.example.org"
    references = f"{post_message_id(1)} <other@elsewhere> {post_message_id(2)}"
    assert post_ids_from_references(post_message_id(3), references) == [3, 2, 1]
