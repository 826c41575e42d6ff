"""Write the duty types and the grid worker's whitelist (see gongzhi.safety.duties)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from gongzhi.safety.duties import duty_types_seed


def forwards(apps: Any, schema_editor: Any) -> None:
    duty_types_seed(apps.get_model("safety", "DutyType"), apps.get_model("safety", "RoleDutyWhitelist"))


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
