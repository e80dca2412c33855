from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "fugong.reporting"
    label = "reporting"
    verbose_name = _("企业日报与复工统计")

    def ready(self):
        from . import imports, receivers  # noqa: F401  (registers the importer, the receivers)
