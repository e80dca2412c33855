from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "fugong.health"
    label = "health"
    verbose_name = _("员工健康")

    def ready(self):
        from fugong.registry.panels import register

        from . import imports, views  # noqa: F401  (registers the roster importer)

        register(views.enterprise_panel)
