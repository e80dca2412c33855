from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "fugong.workorders"
    label = "workorders"
    verbose_name = _("问题工单")

    def ready(self):
        from fugong.registry.panels import register

        from . import imports, signals, views  # noqa: F401  (`fugong import chat`; visit receiver)

        register(views.enterprise_panel)
