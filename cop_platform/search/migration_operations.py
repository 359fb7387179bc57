"""A migration operation that touches the database only on Postgres.

GIN indexes on search vectors exist only on Postgres (SQLite searches without vectors), but
the migration state must still hold them so `makemigrations --check` agrees with the models.
"""

from django.db import migrations


class PostgresOnly(migrations.operations.base.Operation):
    reversible = True

    def __init__(self, operation):
        self.operation = operation

    def deconstruct(self):
        return (f"{__name__}.{self.__class__.__qualname__}", [self.operation], {})

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (Postgres only)"
