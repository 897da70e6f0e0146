"""Re-encrypt every encrypted field with the current key, after a key rotation (docs/SECURITY.md).

    python manage.py reencrypt_fields [--model payments.BankDetails] [--batch-size 200] [--dry-run]

The encrypted fields (django-fernet-encrypted-fields: bank details in payments, concerns and safety plans in
safeguarding) derive one key from SECRET_KEY and each salt in FIELD_ENCRYPTION_SALT (and from each of
SECRET_KEY_FALLBACKS); they encrypt with the first and decrypt with any. So a rotation is: put the new salt
first (keep the old ones after it), deploy, run this, then remove the old salt.

Every model with an encrypted field is done (or the one named by --model), in batches with the rows locked.
Each row's stored text is read as it is, not through the field (which silently hands back text it cannot
decrypt): a row already on the current key is left alone, so a second run does nothing; a row no key can read
stops the command with an error before anything in its batch changes (a key was removed too early: put it
back). Nothing decrypted is printed or logged."""

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from encrypted_fields.fields import EncryptedFieldMixin

from core.audit import audit_record


def encrypted_models(label: str = "") -> list:
    """(model, [encrypted fields]) for every model with an encrypted field, or the one named `label`."""
    if label:
        try:
            models = [apps.get_model(label)]
        except (LookupError, ValueError):
            raise CommandError(f"There is no model {label!r}. Name it like payments.BankDetails.") from None
    else:
        models = apps.get_models()
    found = []
    for model in models:
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
        if fields:
            found.append((model, fields))
    if label and not found:
        raise CommandError(f"{label} has no encrypted fields.")
    return found


def reencrypt_model(model, fields, *, batch_size: int, dry_run: bool) -> tuple[int, int]:
    """(rows checked, rows re-encrypted) for one model."""
    current = {f.name: Fernet(f.keys[0]) for f in fields}
    raw = {f.name: f"_raw_{f.name}" for f in fields}
    last_pk, checked, rewritten = None, 0, 0
    while True:
        with transaction.atomic():
            rows = model._default_manager.select_for_update().order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows.annotate(**{raw[f.name]: Cast(f.name, TextField()) for f in fields})[:batch_size])
            if not batch:
                return checked, rewritten
            last_pk = batch[-1].pk
            changed = []
            for row in batch:
                checked += 1
                stale = False
                for field in fields:
                    token = getattr(row, raw[field.name])
                    if not token:
                        continue
                    try:
                        current[field.name].decrypt(token.encode())
                        continue  # already on the current key
                    except InvalidToken:
                        stale = True
                    try:
                        plain = field.f.decrypt(token.encode()).decode()
                    except InvalidToken:
                        raise CommandError(
                            f"{model._meta.label} {row.pk}: its {field.name} cannot be decrypted with any key. Put "
                            "back the salt or secret key that was removed, then run this again. Nothing in this "
                            "batch was changed."
                        ) from None
                    setattr(row, field.attname, plain)
                if stale:
                    changed.append(row)
            if changed and not dry_run:
                model._default_manager.bulk_update(changed, [f.name for f in fields])
            rewritten += len(changed)


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields with the current key (after putting a new FIELD_ENCRYPTION_SALT first)."

    def add_arguments(self, parser):
        parser.add_argument("--model", default="", help="Only this model, e.g. payments.BankDetails.")
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; change nothing.")

    def handle(self, *args, model: str, batch_size: int, dry_run: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        done = {}
        for found, fields in encrypted_models(model):
            checked, rewritten = reencrypt_model(found, fields, batch_size=batch_size, dry_run=dry_run)
            done[found._meta.label] = rewritten
            self.stdout.write(f"{found._meta.label}: checked {checked}; {verb} {rewritten}.")
        if any(done.values()) and not dry_run:
            audit_record(
                action="encryption.rotated",
                actor_label="command:reencrypt_fields",
                data={"reencrypted": done},
            )
