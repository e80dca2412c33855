from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PassesConfig(AppConfig):
    name = "fugong.passes"
    label = "passes"
    verbose_name = _("通行证")

    def ready(self):
        from fugong.registry.panels import register

        from . import views

        register(views.enterprise_panel)
