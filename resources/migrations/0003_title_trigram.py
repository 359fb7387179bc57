"""`resource_title_trigram` (pg_trgm): title words, as the expertise finder asks them
(Topic.matching: icontains), without reading every resource (issue 18: on a site of 20,000
resources the finder's library query went from a pass over the table, about 40 ms, to a
bitmap scan). In SQL, as discussions 0006 did for threads: Django 5.2 writes
OpClass(Upper("title")) without the parentheses PostgreSQL needs. Built CONCURRENTLY so an
upgrade does not block the library; SQLite has no such index.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from cop_platform.search.migration_operations import PostgresOnly


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("resources", "0002_search_vector"),
    ]

    operations = [
        PostgresOnly(TrigramExtension()),
        PostgresOnly(
            migrations.RunSQL(
                'CREATE INDEX CONCURRENTLY IF NOT EXISTS "resource_title_trigram" '
                'ON "resources_resource" USING gin ((UPPER("title")) gin_trgm_ops)',
                'DROP INDEX CONCURRENTLY IF EXISTS "resource_title_trigram"',
            )
        ),
    ]
