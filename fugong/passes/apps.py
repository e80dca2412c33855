from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from fugong.registry.panels import register


class PassesConfig(AppConfig):
    name = "fugong.passes"
    label = "passes"
    verbose_name = _("通行证")

    def ready(self):
        # imported here, not at the top: these modules import models, which cannot load
        # before Django's app registry is ready (a genuine import-time cycle)
        from . import views

        register(views.enterprise_panel)
