from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PowerConfig(AppConfig):
    name = "fugong.power"
    label = "power"
    verbose_name = _("电力复工指数")

    def ready(self):
        # imported here, not at the top: the importer module imports models, which cannot load
        # before Django's app registry is ready
        from . import imports  # noqa: F401  (registers the `power` importer)
