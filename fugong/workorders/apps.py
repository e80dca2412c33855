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
        # `fugong import chat`; the visit, report and key-project receivers
        from . import imports, receivers, signals, views  # noqa: F401

        register(views.enterprise_panel)
