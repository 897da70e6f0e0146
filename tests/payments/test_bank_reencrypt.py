"""Key rotation: `manage.py reencrypt_fields` moves every bank details row to the newest key, in batches, and
is idempotent; a row no key can read stops it without damage."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from payments.models import BankDetails
from payments.services.bank import bank_details_set

FIELDS = ("account_name", "sort_code", "account_number")


def forget_keys():
    """The fields cache their keys (cached_property `keys` and `f`): forget them after changing the salts."""
    for name in FIELDS:
        field = BankDetails._meta.get_field(name)
        field.__dict__.pop("keys", None)
        field.__dict__.pop("f", None)


@pytest.fixture
def salts(settings):
    def use(*values):
        settings.SALT_KEY = list(values)
        forget_keys()

    yield use
    forget_keys()  # the settings fixture puts the real salts back after this


def raw_row(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_name, sort_code, account_number FROM payments_bankdetails WHERE id = %s", [pk])
        return cursor.fetchone()


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("reencrypt_fields", "--model", "payments.BankDetails", *args, stdout=out)
    return out.getvalue()


def people_with_details(make_user, n):
    rows = []
    for i in range(n):
        person = make_user()
        rows.append(
            bank_details_set(
                person=person,
                acting_user=person,
                account_name=f"Person {i}",
                sort_code="40-11-62",
                account_number=f"8765431{i}",
            )
        )
    return rows


def test_rotation_moves_every_row_to_the_new_key(make_user, salts):
    salts("old-salt")
    rows = people_with_details(make_user, 3)
    before = {row.pk: raw_row(row.pk) for row in rows}

    salts("new-salt", "old-salt")
    assert "re-encrypted 3" in run("--batch-size", "2")  # two batches
    for row in rows:
        assert raw_row(row.pk) != before[row.pk]
        assert "87654310" not in " ".join(raw_row(row.pk))

    # the second run finds nothing to do
    after = {row.pk: raw_row(row.pk) for row in rows}
    assert "re-encrypted 0" in run()
    assert {row.pk: raw_row(row.pk) for row in rows} == after

    # the old salt can go: every row still reads
    salts("new-salt")
    assert sorted(BankDetails.objects.values_list("account_number", flat=True)) == [
        "87654310",
        "87654311",
        "87654312",
    ]
    assert BankDetails.objects.get(pk=rows[0].pk).account_name == "Person 0"


def test_dry_run_changes_nothing(make_user, salts):
    salts("old-salt")
    [row] = people_with_details(make_user, 1)
    before = raw_row(row.pk)
    salts("new-salt", "old-salt")
    assert "would re-encrypt 1" in run("--dry-run")
    assert raw_row(row.pk) == before


def test_every_encrypted_model_by_default(make_user, salts):
    salts("old-salt")
    people_with_details(make_user, 1)
    salts("new-salt", "old-salt")
    from io import StringIO

    out = StringIO()
    call_command("reencrypt_fields", stdout=out)
    assert "payments.BankDetails: checked 1; re-encrypted 1." in out.getvalue()
    assert "safeguarding.Concern: checked 0" in out.getvalue()
    with pytest.raises(CommandError, match="no model"):
        call_command("reencrypt_fields", "--model", "payments.Nothing")


def test_a_row_no_key_can_read_stops_it_unchanged(make_user, salts):
    salts("lost-salt")
    [row] = people_with_details(make_user, 1)
    before = raw_row(row.pk)
    salts("new-salt")
    with pytest.raises(CommandError, match="cannot be decrypted"):
        run()
    assert raw_row(row.pk) == before
