from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from fugong.registry.panels import register


class ApprovalsConfig(AppConfig):
    name = "fugong.approvals"
    label = "approvals"
    verbose_name = _("复工备案与闭环生产")

    def ready(self):
        # imported here, not at the top: these modules import models, which cannot load
        # before Django's app registry is ready (a genuine import-time cycle)
        from . import receivers, views  # noqa: F401  (the inspections' receiver)

        register(views.enterprise_panel)
