from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fugong.registry"
    label = "registry"
    verbose_name = _("企业名录")

    def ready(self):
        from . import exports, imports  # noqa: F401  (registers the importers and exporters)
