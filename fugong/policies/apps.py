from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "fugong.policies"
    label = "policies"
    verbose_name = _("惠企政策")

    def ready(self):
        from . import imports  # noqa: F401  (registers the importer)
