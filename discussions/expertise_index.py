"""The expertise finder's index of discussions: ThreadTerm (a thread's title words and tags)
and ThreadEvidence (per thread and member: accepted answers, reactions received).

On a large site (a million posts) finding a topic's threads by tag and title, then summing
their accepted answers and reactions, read thousands of rows per request (about 860 ms at
p95). With this index it is one aggregate over a few thousand narrow rows, found by term.

Kept current in the same transaction by the services that change what counts:
`index_threads` when a thread is created, retitled or retagged; `evidence_refresh` when an
answer is accepted or unaccepted, a post is reacted to, deleted, hidden or restored, a thread
is hidden, restored or moved. Each recomputes the thread's rows from the posts (a reaction
only its post's author's row), under the thread's row lock, so two concurrent refreshes of
one thread never interleave. `rebuild` recomputes every thread, in batches: the migration that
adds the tables calls it, and so does `manage.py expertise_index_rebuild`, for data changed
outside the services (bulk imports, the admin's tag editor).

The visibility policy is not in the index: ThreadEvidence holds the thread's community and
the finder intersects it with the communities whose content the viewer may read, at each
request. Hidden threads have no evidence rows; hidden and deleted posts count for nothing.
"""

import re

from django.apps import apps as global_apps
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils.text import slugify

from members.expertise import MAX_TOPIC_WORDS, MIN_WORD_LENGTH

TERM_LENGTH = 100  # ThreadTerm.term's max_length
_WORD = re.compile(r"\w+")
REBUILD_BATCH = 2_000


def title_terms(text: str) -> list[str]:
    """The words of a title (or of a topic), lower case, three letters or more, in order."""
    words = [word for word in _WORD.findall(text.lower()) if MIN_WORD_LENGTH <= len(word) <= TERM_LENGTH]
    return list(dict.fromkeys(words))


def tag_terms(name: str, slug: str = "") -> set[str]:
    """How a tag is stored: by lower-case name and by slug, each after a "#"."""
    return {f"#{value}"[:TERM_LENGTH] for value in (name.lower(), slug.lower()) if value}


def topic_terms(topic) -> tuple[list[str], list[str]]:
    """The terms of a topic: (tags, any of which matches; title words, all of which must).
    As members.expertise.Topic.tag_q: the whole topic or one of its words, by name or slug."""
    tags: set[str] = set()
    for name in {topic.text.lower(), *topic.words}:
        tags |= tag_terms(name, slugify(name))
    return sorted(tags), title_terms(topic.text)[:MAX_TOPIC_WORDS]


def _models(apps):
    get = apps.get_model
    return (
        get("discussions", "Thread"),
        get("discussions", "Post"),
        get("discussions", "ThreadTerm"),
        get("discussions", "ThreadEvidence"),
    )


def _thread_tags(apps, thread_ids) -> dict[int, list[tuple[str, str]]]:
    content_types = apps.get_model("contenttypes", "ContentType")
    tagged_items = apps.get_model("taggit", "TaggedItem")
    content_type = content_types.objects.filter(app_label="discussions", model="thread").first()
    tags: dict[int, list[tuple[str, str]]] = {}
    if content_type is None:
        return tags
    rows = tagged_items.objects.filter(content_type=content_type, object_id__in=thread_ids).values_list(
        "object_id", "tag__name", "tag__slug"
    )
    for thread_id, name, slug in rows:
        tags.setdefault(thread_id, []).append((name, slug))
    return tags


def _terms(apps, thread_ids) -> list:
    Thread, _, ThreadTerm, _ = _models(apps)
    tags = _thread_tags(apps, thread_ids)
    rows = []
    for thread_id, title in Thread._base_manager.filter(pk__in=thread_ids).values_list("pk", "title"):
        terms = set(title_terms(title))
        for name, slug in tags.get(thread_id, ()):
            terms |= tag_terms(name, slug)
        rows += [ThreadTerm(thread_id=thread_id, term=term) for term in sorted(terms)]
    return rows


def _evidence(apps, thread_ids, authors=None) -> list:
    """The evidence rows of these threads (only `authors`' rows, when given)."""
    Thread, Post, _, ThreadEvidence = _models(apps)
    visible = Thread._base_manager.filter(pk__in=thread_ids, hidden_at=None)
    community_of = dict(visible.values_list("pk", "community_id"))
    tally: dict[tuple[int, int], list[int]] = {}
    accepted = visible.filter(
        accepted_post__author__isnull=False, accepted_post__hidden_at=None, accepted_post__deleted_at=None
    ).values_list("pk", "accepted_post__author")
    if authors is not None:
        accepted = accepted.filter(accepted_post__author__in=authors)
    for thread_id, author_id in accepted:
        tally.setdefault((thread_id, author_id), [0, 0])[0] += 1
    reactions = (
        Post._base_manager.filter(
            Q(helpful_count__gt=0) | Q(thanks_count__gt=0) | Q(agree_count__gt=0),
            thread_id__in=list(community_of),
            author__isnull=False,
            hidden_at=None,
            deleted_at=None,
        )
        .values_list("thread_id", "author")
        .annotate(count=Sum(F("helpful_count") + F("thanks_count") + F("agree_count")))
        .order_by()
    )
    if authors is not None:
        reactions = reactions.filter(author__in=authors)
    for thread_id, author_id, count in reactions:
        tally.setdefault((thread_id, author_id), [0, 0])[1] += count
    return [
        ThreadEvidence(
            thread_id=thread_id,
            community_id=community_of[thread_id],
            author_id=author_id,
            accepted_answers=answers,
            reactions=count,
        )
        for (thread_id, author_id), (answers, count) in sorted(tally.items())
    ]


def lock_threads(thread_ids, *, apps=global_apps) -> list[int]:
    """Lock the threads' rows (in id order, so two refreshes never deadlock); the ids that exist.
    A service that changes a post and then refreshes its thread takes this lock first: replying
    locks the thread, then the post replied to, and the other order could deadlock with it."""
    Thread = _models(apps)[0]
    locked = Thread._base_manager.select_for_update().filter(pk__in=thread_ids).order_by("pk")
    return list(locked.values_list("pk", flat=True))


def evidence_refresh(thread_ids, *, authors=None, apps=global_apps) -> None:
    """Recompute what members showed in these threads (after an accept, a reaction, a hidden,
    restored or deleted post, a hidden, restored or moved thread). With `authors`, only those
    members' rows: a reaction changes its post's author's alone, and rewriting every author's
    row of a long thread on each click cost a write per author (about 110 rows a reaction in
    bench/load_test.py)."""
    ThreadEvidence = _models(apps)[3]
    with transaction.atomic():
        ids = lock_threads(list(thread_ids), apps=apps)
        rows = ThreadEvidence.objects.filter(thread_id__in=ids)
        if authors is not None:
            rows = rows.filter(author_id__in=authors)
        rows.delete()
        ThreadEvidence.objects.bulk_create(_evidence(apps, ids, authors))


def index_threads(thread_ids, *, apps=global_apps) -> None:
    """Recompute the threads' terms and evidence (a new thread, a new title or new tags)."""
    ThreadTerm = _models(apps)[2]
    with transaction.atomic():
        ids = lock_threads(list(thread_ids), apps=apps)
        ThreadTerm.objects.filter(thread_id__in=ids).delete()
        ThreadTerm.objects.bulk_create(_terms(apps, ids))
        evidence_refresh(ids, apps=apps)


def rebuild(*, apps=global_apps, batch: int = REBUILD_BATCH, progress=None) -> int:
    """Recompute the whole index, a batch of threads at a time (each batch its own
    transaction, so it can run on a live site). Returns the number of threads indexed."""
    Thread, _, ThreadTerm, ThreadEvidence = _models(apps)
    done, after = 0, 0
    while True:
        ids = list(Thread._base_manager.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        index_threads(ids, apps=apps)
        done, after = done + len(ids), ids[-1]
        if progress is not None:
            progress(done)
    # Rows of threads deleted meanwhile go with them (foreign keys cascade): nothing else to clear.
    return done
