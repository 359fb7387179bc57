"""The expertise finder's index of discussions (issue 18): ThreadTerm and ThreadEvidence,
filled from the existing threads, posts and tags (discussions.expertise_index.rebuild, a
batch of 2,000 threads per transaction; about a minute per 100,000 threads). Afterwards the
services keep it current; `manage.py expertise_index_rebuild` refills it if data was changed
outside them. Not atomic, so the fill's batches commit as they go on PostgreSQL.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from cop_platform.search.migration_operations import PostgresOnly


def fill(apps, schema_editor):
    from discussions.expertise_index import rebuild

    rebuild(apps=apps)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('communities', '0008_language'),
        ('discussions', '0007_drop_duplicate_tree_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.CreateModel(
            name='ThreadEvidence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('accepted_answers', models.PositiveIntegerField(default=0)),
                ('reactions', models.PositiveIntegerField(default=0)),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='communities.community')),
                ('thread', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='discussions.thread')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('thread', 'author'), name='thread_evidence_unique')],
            },
        ),
        migrations.CreateModel(
            name='ThreadTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term', models.CharField(max_length=100)),
                ('thread', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='discussions.thread')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('term', 'thread'), name='thread_term_unique')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        # Planner statistics for the new tables at once (autovacuum would take a while).
        PostgresOnly(
            migrations.RunSQL(
                'ANALYZE "discussions_threadterm", "discussions_threadevidence"', migrations.RunSQL.noop
            )
        ),
        # The finder no longer matches thread titles with LIKE (ThreadTerm instead): one index
        # less to keep on every new thread.
        PostgresOnly(
            migrations.RunSQL(
                'DROP INDEX CONCURRENTLY IF EXISTS "thread_title_trigram"',
                'CREATE INDEX CONCURRENTLY IF NOT EXISTS "thread_title_trigram" '
                'ON "discussions_thread" USING gin ((UPPER("title")) gin_trgm_ops)',
            )
        ),
        # After the fill (one build instead of row-by-row upkeep); SQLite has no covering indexes.
        PostgresOnly(
            migrations.AddIndex(
                model_name="threadevidence",
                index=models.Index(
                    fields=["thread"],
                    include=("community", "author", "accepted_answers", "reactions"),
                    name="thread_evidence_by_thread",
                ),
            )
        ),
    ]
