"""Tasks split into 32 hash partitions by owner (PostgreSQL only; SQLite keeps one table).

Every read is scoped to one owner, so every query now plans against one partition: its own
indexes and its own heap pages. `?search=` needed it most. Its count rechecks each candidate row
in the heap, and in one table a user's rows are spread across all of it, because everyone's
inserts interleave. On bench/task_api.py (8,304 matches among a 100,000-task user's rows, in
1,000,000), one table meant 6,567 heap pages and 17 ms; the partition needs 1,807 pages and 7 ms.
The trigram index scan also fell, 7.5 to 1.7 ms, because a partition's posting lists hold only
its own owners' rows, not every user's "invoice".

A partitioned table's unique constraints must include the partition key, so the primary key is
(id, owner_id). The id is still the identity and unique on its own; lookups by id alone (the
admin) probe each partition's key index. No table references tasks_task.

The rows are copied inside the migration's transaction; on a big table, run it in a quiet hour.
"""

from django.db import migrations

PARTITIONS = 32
# As in 0004 (kept here so this migration stands alone): it must read exactly like
# UPPER(tasks.models.search_text()), or the planner will not use it (tasks/tests/test_selectors.py).
SEARCH_INDEX = (
    "CREATE INDEX task_owner_search_trgm ON tasks_task "
    "USING gin (owner_id, upper((title || E'\\n' || description)::text) gin_trgm_ops)"
)


def _rebuild(apps, schema_editor, partitions: int | None) -> None:
    """Recreate tasks_task with the same columns, constraints, indexes and ids, partitioned by
    owner into `partitions` tables, or as one plain table when `partitions` is None."""
    if schema_editor.connection.vendor != "postgresql":
        return
    task = apps.get_model("tasks", "Task")
    run = schema_editor.execute
    # Index names are global; the old table keeps its own until it is dropped after the copy.
    run("ALTER TABLE tasks_task RENAME TO tasks_task_old")
    run("ALTER SEQUENCE tasks_task_id_seq RENAME TO tasks_task_old_id_seq")
    partitioned = " PARTITION BY HASH (owner_id)" if partitions else ""
    run(
        "CREATE TABLE tasks_task (LIKE tasks_task_old INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        f"INCLUDING IDENTITY){partitioned}"
    )
    for remainder in range(partitions or 0):
        run(
            f"CREATE TABLE tasks_task_p{remainder:02d} PARTITION OF tasks_task "
            f"FOR VALUES WITH (MODULUS {partitions}, REMAINDER {remainder})"
        )
    run("INSERT INTO tasks_task SELECT * FROM tasks_task_old")
    run("SELECT setval(pg_get_serial_sequence('tasks_task', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM tasks_task")
    run("DROP TABLE tasks_task_old")

    key = "(id, owner_id)" if partitions else "(id)"
    run(f"ALTER TABLE tasks_task ADD CONSTRAINT tasks_task_pkey PRIMARY KEY {key}")
    owner = task._meta.get_field("owner")
    run(schema_editor._create_fk_sql(task, owner, "_fk_%(to_table)s_%(to_column)s"))
    for statement in schema_editor._model_indexes_sql(task):  # owner_id's own and Meta.indexes
        run(statement)
    run(SEARCH_INDEX)
    run("ANALYZE tasks_task")


def partition(apps, schema_editor):
    _rebuild(apps, schema_editor, PARTITIONS)


def unpartition(apps, schema_editor):
    _rebuild(apps, schema_editor, None)


class Migration(migrations.Migration):
    # One transaction: a failure part way leaves the old table as it was.
    atomic = True
    dependencies = [("tasks", "0004_one_search_index")]

    operations = [migrations.RunPython(partition, unpartition)]
