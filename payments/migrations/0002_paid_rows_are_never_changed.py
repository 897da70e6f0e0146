"""Paid rows are never changed: PostgreSQL refuses to update or delete a payment or a reversal, to delete a
payment run, and to update a run once it is paid. A mistake is put right by a new Reversal row. The triggers
raise SQLSTATE 23000 (integrity constraint violation), which Django reports as an IntegrityError.

PostgreSQL only: on another database (a developer's SQLite) the migration does nothing. TRUNCATE (how the test
runner empties tables) fires no row trigger, so tests can still start from empty tables."""

from django.db import migrations

FORWARDS = """
CREATE OR REPLACE FUNCTION payments_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'coprod: a row of % is never changed or deleted (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION payments_paymentrun_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'coprod: a payment run is never deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.state = 'paid' THEN
        RAISE EXCEPTION 'coprod: a paid payment run is never changed'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER payments_payment_never_changed
    BEFORE UPDATE OR DELETE ON payments_payment
    FOR EACH ROW EXECUTE FUNCTION payments_refuse_change();

CREATE TRIGGER payments_reversal_never_changed
    BEFORE UPDATE OR DELETE ON payments_reversal
    FOR EACH ROW EXECUTE FUNCTION payments_refuse_change();

CREATE TRIGGER payments_paymentrun_paid_never_changed
    BEFORE UPDATE OR DELETE ON payments_paymentrun
    FOR EACH ROW EXECUTE FUNCTION payments_paymentrun_guard();
"""

BACKWARDS = """
DROP TRIGGER IF EXISTS payments_paymentrun_paid_never_changed ON payments_paymentrun;
DROP TRIGGER IF EXISTS payments_reversal_never_changed ON payments_reversal;
DROP TRIGGER IF EXISTS payments_payment_never_changed ON payments_payment;
DROP FUNCTION IF EXISTS payments_paymentrun_guard();
DROP FUNCTION IF EXISTS payments_refuse_change();
"""


def _on_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def _run(schema_editor, sql: str) -> None:
    # No parameters, so the driver leaves the "%" of the messages alone.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def forwards(apps, schema_editor):
    if _on_postgresql(schema_editor):
        _run(schema_editor, FORWARDS)


def backwards(apps, schema_editor):
    if _on_postgresql(schema_editor):
        _run(schema_editor, BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
