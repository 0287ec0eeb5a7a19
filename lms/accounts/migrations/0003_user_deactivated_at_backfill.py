"""Accounts already inactive get today as their deactivation date, so the retention
job counts their grace period from this deploy instead of anonymising them at once."""

from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(is_active=False, deactivated_at__isnull=True).update(
        deactivated_at=timezone.now()
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_user_deactivated_at_anonymised_at'),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
