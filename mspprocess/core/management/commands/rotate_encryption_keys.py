"""Re-encrypt every encrypted field under the newest key in FIELD_ENCRYPTION_KEYS.

Run after putting a new key first in the list; once it reports nothing left to
re-encrypt, the old key can be removed. Running it again changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models.functions import Cast

from mspprocess.core import fields


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field of every model under the newest key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        total = 0
        for model, names in fields.encrypted_fields():
            label = model._meta.label
            for name in names:
                checked, rotated = self.rotate_field(model, name, batch_size)
                total += rotated
                self.stdout.write(
                    f"{label}.{name}: {checked} stored values, {rotated} re-encrypted, "
                    f"{checked - rotated} already under the newest key"
                )
        self.stdout.write(self.style.SUCCESS(f"Done: {total} values re-encrypted."))

    def rotate_field(
        self, model: type[models.Model], name: str, batch_size: int
    ) -> tuple[int, int]:
        # Cast reads the raw token: the field itself would hand us plaintext.
        qs = (
            model._default_manager.exclude(**{f"{name}__isnull": True})
            .annotate(raw_value=Cast(name, output_field=models.TextField()))
            .order_by("pk")
        )
        checked = rotated = 0
        last_pk = None
        while True:
            page = qs if last_pk is None else qs.filter(pk__gt=last_pk)
            batch = list(page.values_list("pk", "raw_value")[:batch_size])
            if not batch:
                break
            last_pk = batch[-1][0]
            with transaction.atomic():
                for pk, raw in batch:
                    if not raw:
                        continue
                    checked += 1
                    if fields.is_current(raw):
                        continue
                    # Decrypting with all keys and saving encrypts with the newest.
                    plaintext = fields.decrypt(raw)
                    model._default_manager.filter(pk=pk).update(**{name: plaintext})
                    rotated += 1
        return checked, rotated
