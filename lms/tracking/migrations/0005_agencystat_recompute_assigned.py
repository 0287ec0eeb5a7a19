"""Every agency's roll-ups are rebuilt by the next sweep (30 s), so the new
`assigned_open` counts are filled in without waiting for a change."""

from django.db import migrations


def mark_all_dirty(apps, schema_editor):
    apps.get_model("tracking", "AgencyStat").objects.update(dirty=True)


class Migration(migrations.Migration):

    dependencies = [
        ("tracking", "0004_overduereminder"),
    ]

    operations = [
        migrations.RunPython(mark_all_dirty, migrations.RunPython.noop),
    ]
