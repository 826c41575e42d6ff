from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "gongzhi.safety"
    label = "safety"
    verbose_name = _("Safety")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .duties import duty_types_restore

        post_migrate.connect(duty_types_restore, sender=self, dispatch_uid="safety-duty-types")
