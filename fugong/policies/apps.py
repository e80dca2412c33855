from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "fugong.policies"
    label = "policies"
    verbose_name = _("惠企政策")

    def ready(self):
        from fugong.registry.panels import register

        from . import imports, views  # noqa: F401  (imports registers the importer)

        register(views.enterprise_panel)
