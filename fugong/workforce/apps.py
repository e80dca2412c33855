from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "fugong.workforce"
    label = "workforce"
    verbose_name = _("用工与通勤")
