"""Account managers set tenants' verification settings and read the records."""

from django.db import migrations

from mspprocess.core.grants import grant, revoke

CODENAMES = [
    "view_verificationsettings",
    "add_verificationsettings",
    "change_verificationsettings",
    "view_verification",
    "view_note",
]


class Migration(migrations.Migration):
    dependencies = [
        ("tickettab", "0001_initial"),
        ("mspprocess", "0002_account_managers_group"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, se: grant(apps, "tickettab", CODENAMES),
            lambda apps, se: revoke(apps, "tickettab", CODENAMES),
        )
    ]
