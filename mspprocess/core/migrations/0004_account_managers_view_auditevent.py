"""Account managers may read the audit trail (the admin lets nobody change it)."""

from django.db import migrations

from mspprocess.core.grants import grant, revoke

CODENAMES = ["view_auditevent"]


class Migration(migrations.Migration):
    dependencies = [("mspprocess", "0003_auditevent")]

    operations = [
        migrations.RunPython(
            lambda apps, se: grant(apps, "mspprocess", CODENAMES),
            lambda apps, se: revoke(apps, "mspprocess", CODENAMES),
        )
    ]
