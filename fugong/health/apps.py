from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from fugong.registry.panels import register


class HealthConfig(AppConfig):
    name = "fugong.health"
    label = "health"
    verbose_name = _("员工健康")

    def ready(self):
        # imported here, not at the top: these modules import models, which cannot load
        # before Django's app registry is ready (a genuine import-time cycle)
        from . import imports, views  # noqa: F401  (registers the roster importer)

        register(views.enterprise_panel)
