from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "fugong.consultations"
    label = "consultations"
    verbose_name = _("代帮办热线")
