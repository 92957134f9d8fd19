"""The tab's columns leave the Halo connection, once tickettab 0006 has copied them."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0006_tab_key_digest_salted_hmac'),
        ('tickettab', '0006_tab'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='haloconnection',
            name='tab_generation',
        ),
        migrations.RemoveField(
            model_name='haloconnection',
            name='tab_key',
        ),
        migrations.RemoveField(
            model_name='haloconnection',
            name='tab_key_digest',
        ),
        migrations.RemoveField(
            model_name='haloconnection',
            name='tab_key_rotated_at',
        ),
        migrations.RemoveField(
            model_name='haloconnection',
            name='tab_problem',
        ),
        migrations.RemoveField(
            model_name='haloconnection',
            name='tab_problem_detail',
        ),
        migrations.RemoveField(
            model_name='haloconnection',
            name='tab_problem_seen_at',
        ),
        migrations.RemoveField(
            model_name='haloconnection',
            name='tab_secret',
        ),
        migrations.RemoveField(
            model_name='haloconnection',
            name='tab_secret_rotated_at',
        ),
        migrations.RemoveField(
            model_name='haloconnection',
            name='tab_seen_at',
        ),
    ]
