from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "gongzhi.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from . import foundation_privacy  # noqa: F401

        # Each app's own `privacy.py` registers its exporters, anonymisers and purgers.
        autodiscover_modules("privacy")
