"""Indexes for a large site (issue 18, measured at a million posts):

- `post_reacted_by_thread`: the posts that received a reaction, by thread, with their author
  and counts, for the expertise finder's "reactions received on a topic" (an index-only scan
  of a topic's threads instead of a pass over every post);
- `thread_title_trigram` (pg_trgm): title words, as the expertise finder asks them (icontains),
  without reading every thread's title.

Built CONCURRENTLY (this migration is not atomic), so an upgrade does not block posting while
PostgreSQL builds them; SQLite has neither.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, TrigramExtension
from django.db import migrations, models

from cop_platform.search.migration_operations import PostgresOnly


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("discussions", "0005_drafts"),
    ]

    operations = [
        TrigramExtension(),
        PostgresOnly(
            AddIndexConcurrently(
                model_name="post",
                index=models.Index(
                    condition=models.Q(
                        models.Q(
                            ("helpful_count__gt", 0), ("thanks_count__gt", 0), ("agree_count__gt", 0), _connector="OR"
                        ),
                        ("deleted_at", None),
                        ("hidden_at", None),
                    ),
                    fields=["thread"],
                    include=("author", "helpful_count", "thanks_count", "agree_count"),
                    name="post_reacted_by_thread",
                ),
            )
        ),
        # In SQL: Django 5.2 writes OpClass(Upper("title")) without the parentheses PostgreSQL
        # needs. Not in the model state (so makemigrations leaves it alone).
        PostgresOnly(
            migrations.RunSQL(
                'CREATE INDEX CONCURRENTLY IF NOT EXISTS "thread_title_trigram" '
                'ON "discussions_thread" USING gin ((UPPER("title")) gin_trgm_ops)',
                'DROP INDEX CONCURRENTLY IF EXISTS "thread_title_trigram"',
            )
        ),
    ]
