"""Account managers enter and check customers' Halo connections (no deletes)."""

from django.db import migrations

from mspprocess.core.grants import grant, revoke

CODENAMES = ["view_haloconnection", "add_haloconnection", "change_haloconnection"]


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_haloconnection_permissions_ok"),
        ("mspprocess", "0002_account_managers_group"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, se: grant(apps, "integrations", CODENAMES),
            lambda apps, se: revoke(apps, "integrations", CODENAMES),
        )
    ]
