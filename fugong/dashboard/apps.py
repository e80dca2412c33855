from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The top layer: the command centre's dashboard, the leaders' brief and the demo city.

    It reads every domain app's public services; no domain app imports it."""

    name = "fugong.dashboard"
    label = "dashboard"
    verbose_name = _("指挥部驾驶舱")

    def ready(self):
        from . import providers  # in ready(): it imports models, which need the app registry

        providers.connect()
