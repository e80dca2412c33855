from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "fugong.approvals"
    label = "approvals"
    verbose_name = _("复工备案与闭环生产")

    def ready(self):
        from fugong.registry.panels import register

        from . import views

        register(views.enterprise_panel)
