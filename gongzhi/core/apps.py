from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Every app declares its django-rules permissions in `permissions.py` (house
        # style); import them all so `user.has_perm("<app>.<verb>_<model>")` works.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("permissions")
