from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "fugong.projects"
    label = "projects"
    verbose_name = _("重点项目与产业链供应链")

    def ready(self):
        # imported here: the receiver's module imports models, which cannot load before the
        # app registry is ready (tasks.py is found by the task queue itself)
        from . import receivers  # noqa: F401
