"""pg_trgm and GIN trigram indexes on the text the search box reads (PostgreSQL only).

Chinese has no spaces between words, so a word index (tsvector) finds little; trigrams of
characters serve `icontains` on any run of three or more characters (pg_trgm hashes multibyte
characters when the database is UTF8). gin_trgm_ops serves both LIKE and ILIKE on the column,
which search.lookups asks for. On SQLite the migration does nothing: search falls back to a
plain scan there.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (index, model, column): item titles and text, department names, report narratives, 批示 and replies.
INDEXES = [
    ("search_item_title_trgm", "tasks.WorkItem", "title"),
    ("search_item_body_trgm", "tasks.WorkItem", "body"),
    ("search_department_name_trgm", "departments.Department", "name"),
    ("search_report_narrative_trgm", "progress.ProgressReport", "narrative"),
    ("search_instruction_text_trgm", "supervision.Instruction", "text"),
    ("search_instruction_reply_trgm", "supervision.Instruction", "reply"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, model, column in INDEXES:
        table = apps.get_model(model)._meta.db_table  # the moved models kept their tasks_ tables
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0017_merge_speed"),
        ("progress", "0008_merge_speed"),
        ("supervision", "0005_summary_requirement_history"),
        ("departments", "0009_merge_passwords_and_security_events"),
    ]

    operations = [
        TrigramExtension(),  # a no-op on any database but PostgreSQL
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
