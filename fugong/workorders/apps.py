from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from fugong.registry.panels import register


class WorkordersConfig(AppConfig):
    name = "fugong.workorders"
    label = "workorders"
    verbose_name = _("问题工单")

    def ready(self):
        # imported here, not at the top: these modules import models, which cannot load
        # before Django's app registry is ready (a genuine import-time cycle)
        from . import imports, signals, views  # noqa: F401  (`fugong import chat`; visit receiver)

        register(views.enterprise_panel)
