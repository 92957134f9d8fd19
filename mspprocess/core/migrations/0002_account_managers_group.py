"""The "Account managers" group: view/add/change tenants and memberships, nothing more."""

from django.db import migrations

from mspprocess.core.grants import grant, revoke

CODENAMES = [
    "view_tenant",
    "add_tenant",
    "change_tenant",
    "view_membership",
    "add_membership",
    "change_membership",
]


def delete_group(apps, schema_editor):
    revoke(apps, "mspprocess", CODENAMES)
    apps.get_model("auth", "Group").objects.filter(name="Account managers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mspprocess", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(lambda apps, se: grant(apps, "mspprocess", CODENAMES), delete_group)
    ]
