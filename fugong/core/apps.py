from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fugong.core"
    label = "core"
    verbose_name = _("基础数据")

    def ready(self):
        # imported here, not at the top: these modules import models, which cannot load
        # before Django's app registry is ready (a genuine import-time cycle)
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import pre_save

        from . import imports  # noqa: F401  (registers the importers)
        from .security import on_login
        from .validators import strip_control_characters

        user_logged_in.connect(on_login, dispatch_uid="fugong-login")
        pre_save.connect(strip_control_characters, dispatch_uid="fugong-control-characters")
