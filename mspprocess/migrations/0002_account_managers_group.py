"""The "Account managers" group: view/add/change tenants and memberships, nothing more."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Account managers"
PERMISSIONS = [
    ("mspprocess", "view_tenant"),
    ("mspprocess", "add_tenant"),
    ("mspprocess", "change_tenant"),
    ("mspprocess", "view_membership"),
    ("mspprocess", "add_membership"),
    ("mspprocess", "change_membership"),
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exist now.
    app_config = apps.get_app_config("mspprocess")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("mspprocess", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
