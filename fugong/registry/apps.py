from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fugong.registry"
    label = "registry"
    verbose_name = _("企业名录")

    def ready(self):
        # imported here, not at the top: these modules import models, which cannot load
        # before Django's app registry is ready (a genuine import-time cycle)
        from . import exports, imports, member_imports  # noqa: F401  (registers the importers and exporters)
