"""The database itself refuses to change or delete a trail entry, so history cannot be rewritten by a stray
query or a script. PostgreSQL refuses UPDATE and DELETE (TRUNCATE, used only by test teardown, is not a row
change); SQLite, the laptop default, refuses UPDATE (its test flush deletes rows)."""

from django.db import migrations

TABLES = ["core_auditevent", "core_accessevent"]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION coprod_trail_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'coprod: % on % refused: trail entries are append-only', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION coprod_trail_append_only();"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'coprod: trail entries are append-only'); END;"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        for table in TABLES:
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
            else:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS coprod_trail_append_only();")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_trails")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
