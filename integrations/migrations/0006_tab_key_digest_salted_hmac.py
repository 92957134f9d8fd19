"""Tab key digests are now Django's salted_hmac: recompute them from the stored keys."""

from __future__ import annotations

from django.db import migrations
from django.utils.crypto import salted_hmac

SALT = "integrations.tab-key"  # integrations.models.TAB_KEY_SALT


def recompute(apps, schema_editor) -> None:
    HaloConnection = apps.get_model("integrations", "HaloConnection")
    for conn in HaloConnection.objects.exclude(tab_key_digest__isnull=True).iterator():
        digest = salted_hmac(SALT, conn.tab_key, algorithm="sha256").hexdigest()
        HaloConnection.objects.filter(pk=conn.pk).update(tab_key_digest=digest)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0005_call_share")]

    # Backwards: the old digests cannot be told from the new ones by the database
    # alone; `manage.py rehash_tab_keys` of the older version rebuilds them.
    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
