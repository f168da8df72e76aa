"""Trigram indexes so `?search=` (and the agent's list_tasks search) stays fast for big lists.

Django's icontains is `UPPER(col) LIKE UPPER('%word%')`, which no b-tree can serve; a GIN
trigram index on the same UPPER() expression can. btree_gin lets owner_id sit in the same
index, so the scan touches only the acting user's rows. PostgreSQL only: SQLite has no
equivalent and skips this migration. Both extensions are "trusted" (PostgreSQL 13+), so the
database owner may create them without superuser rights.
"""

from django.db import migrations

INDEXES = {
    "task_owner_title_trgm": "title",
    "task_owner_desc_trgm": "description",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON tasks_task "
            f"USING gin (owner_id, upper({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0002_list_indexes")]

    operations = [migrations.RunPython(create, drop)]
