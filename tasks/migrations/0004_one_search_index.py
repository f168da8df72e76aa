"""One trigram index over title and description together, in place of one per field.

`?search=` used to OR two trigram index scans and recheck both fields: 26 ms to count 8,304
matches among a 100,000-task user's rows (bench/task_api.py). With one index on the joined text
(tasks.models.search_text) it is a single scan: 20 ms. PostgreSQL only, like 0003.
"""

from django.db import migrations

# Must read exactly like UPPER(search_text()) as Django compiles it for `__icontains`, or the
# planner will not match the index to the query (tasks/tests/test_search_index.py checks it).
SEARCH_INDEX = (
    "CREATE INDEX IF NOT EXISTS task_owner_search_trgm ON tasks_task "
    "USING gin (owner_id, upper((title || E'\\n' || description)::text) gin_trgm_ops)"
)
FIELD_INDEXES = {
    "task_owner_title_trgm": "title",
    "task_owner_desc_trgm": "description",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(SEARCH_INDEX)
    for name in FIELD_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in FIELD_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON tasks_task USING gin (owner_id, upper({column}::text) gin_trgm_ops)"
        )
    schema_editor.execute("DROP INDEX IF EXISTS task_owner_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0003_trigram_search_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
