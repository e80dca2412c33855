from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "fugong.reporting"
    label = "reporting"
    verbose_name = _("企业日报与复工统计")

    def ready(self):
        # imported here, not at the top: these modules import models, which cannot load
        # before Django's app registry is ready (a genuine import-time cycle)
        from . import exports, imports, receivers  # noqa: F401  (registers them)
