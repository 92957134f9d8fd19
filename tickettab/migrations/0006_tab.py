"""The tab's key, secret and what its loads showed move from the Halo connection
(integrations) to a Tab of their own; integrations 0007 then drops the old columns."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils.crypto import salted_hmac

import mspprocess.core.fields

SALT = "tickettab.tab-key"  # tickettab.models.KEY_SALT

MOVED = [
    ("tab_key", "key"),
    ("tab_generation", "generation"),
    ("tab_key_rotated_at", "key_rotated_at"),
    ("tab_secret", "secret"),
    ("tab_secret_rotated_at", "secret_rotated_at"),
    ("tab_seen_at", "seen_at"),
    ("tab_problem", "problem"),
    ("tab_problem_detail", "problem_detail"),
    ("tab_problem_seen_at", "problem_seen_at"),
]


def copy_tabs(apps, schema_editor) -> None:
    HaloConnection = apps.get_model("integrations", "HaloConnection")
    Tab = apps.get_model("tickettab", "Tab")
    for conn in HaloConnection.objects.iterator():
        values = {new: getattr(conn, old) for old, new in MOVED}
        key = values["key"]
        # The digest of the same key, under the tab's own salt.
        values["key_digest"] = salted_hmac(SALT, key, algorithm="sha256").hexdigest() if key else None
        Tab.objects.create(tenant_id=conn.tenant_id, **values)


def copy_back(apps, schema_editor) -> None:
    HaloConnection = apps.get_model("integrations", "HaloConnection")
    Tab = apps.get_model("tickettab", "Tab")
    for tab in Tab.objects.iterator():
        values = {old: getattr(tab, new) for old, new in MOVED}
        key = values["tab_key"]
        values["tab_key_digest"] = (
            salted_hmac("integrations.tab-key", key, algorithm="sha256").hexdigest() if key else None
        )
        HaloConnection.objects.filter(tenant_id=tab.tenant_id).update(**values)


class Migration(migrations.Migration):
    dependencies = [
        ("mspprocess", "0007_auditevent_tenant_activated"),
        ("integrations", "0006_tab_key_digest_salted_hmac"),
        ("tickettab", "0005_worker_heartbeat"),
    ]

    operations = [
        migrations.CreateModel(
            name="Tab",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", mspprocess.core.fields.EncryptedTextField(blank=True)),
                ("key_digest", models.CharField(editable=False, max_length=64, null=True, unique=True)),
                ("generation", models.PositiveIntegerField(default=1)),
                ("key_rotated_at", models.DateTimeField(blank=True, null=True)),
                ("secret", mspprocess.core.fields.EncryptedTextField(blank=True)),
                ("secret_rotated_at", models.DateTimeField(blank=True, null=True)),
                ("seen_at", models.DateTimeField(blank=True, null=True, verbose_name="custom tab seen")),
                ("problem", models.CharField(blank=True, max_length=30)),
                ("problem_detail", models.CharField(blank=True, max_length=50)),
                ("problem_seen_at", models.DateTimeField(blank=True, null=True)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("updated", models.DateTimeField(auto_now=True)),
                (
                    "tenant",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tab",
                        to="mspprocess.tenant",
                    ),
                ),
            ],
            options={"verbose_name": "ticket tab"},
        ),
        migrations.RunPython(copy_tabs, copy_back),
    ]
