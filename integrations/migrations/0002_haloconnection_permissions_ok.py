from django.db import migrations, models


def backfill(apps, schema_editor):
    HaloConnection = apps.get_model("integrations", "HaloConnection")
    for conn in HaloConnection.objects.filter(status="connected"):
        perms = conn.check_results.get("permissions") or []
        ok = bool(perms) and all(p.get("ok") is not False for p in perms)
        HaloConnection.objects.filter(pk=conn.pk).update(permissions_ok=ok)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="haloconnection",
            name="permissions_ok",
            field=models.BooleanField(default=False, verbose_name="permissions complete"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
