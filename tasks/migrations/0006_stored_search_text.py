"""`?search=` compares a stored, upper-cased copy of title + description (Task.search_text).

The trigram index finds candidate rows, and PostgreSQL then rechecks each one. With the index
on UPPER(title || E'\\n' || description), every recheck computed that expression again: counting
the 8,304 matches of a 100,000-task user took 21 ms, 17 of them in rechecks (bench/task_api.py).
Stored, a recheck is a plain LIKE on the column, about four times cheaper. The index moves to
the column (PostgreSQL only, like 0004); SQLite gets the column alone.

Adding a stored generated column rewrites the table (about 7 s for 1,000,000 tasks here, under a
lock that holds writes: run it in a quiet hour). A rewritten table starts with an empty
visibility map, so PostgreSQL would count a user's tasks by reading their rows rather than the
index alone (21 ms instead of 4 for 100,000 tasks) until autovacuum happened to come by, which
a rewrite does not prompt; so the migration ends with VACUUM ANALYZE. VACUUM cannot run in a
transaction, hence `atomic = False`: the column and the index swap each commit on their own.
"""

import django.db.models.functions.text
from django.db import migrations, models

import tasks.models

SEARCH_INDEX = "CREATE INDEX task_owner_search_trgm ON tasks_task USING gin (owner_id, search_text gin_trgm_ops)"
# 0004/0005's index, for going back: it must read exactly like the expression queries used then.
EXPRESSION_INDEX = (
    "CREATE INDEX task_owner_search_trgm ON tasks_task "
    "USING gin (owner_id, upper((title || E'\\n' || description)::text) gin_trgm_ops)"
)


def index_the_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS task_owner_search_trgm")
    schema_editor.execute(SEARCH_INDEX)


def index_the_expression(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS task_owner_search_trgm")
    schema_editor.execute(EXPRESSION_INDEX)


def vacuum_analyze(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("VACUUM ANALYZE tasks_task")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tasks", "0005_partition_tasks_by_owner")]

    operations = [
        migrations.AddField(
            model_name="task",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Upper(
                    tasks.models._Concatenated(models.F("title"), models.Value("\n"), models.F("description"))
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.RunPython(index_the_column, index_the_expression, atomic=True),
        migrations.RunPython(vacuum_analyze, migrations.RunPython.noop),
    ]
