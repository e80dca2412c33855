from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "fugong.workorders"
    label = "workorders"
    verbose_name = _("问题工单")

    def ready(self):
        from . import imports  # noqa: F401  (registers `fugong import chat`)
