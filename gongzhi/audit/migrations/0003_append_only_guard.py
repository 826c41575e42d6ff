from django.db import migrations

from gongzhi.audit import dbguard


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    dbguard.install(schema_editor.connection)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    dbguard.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_anchors_privacy")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
