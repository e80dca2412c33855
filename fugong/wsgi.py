import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fugong.settings")
application = get_wsgi_application()

# Before this process serves, do what the first request would otherwise pay for: import every
# view and API schema (the URL configuration), and load (or build) the triage model.
from django.urls import get_resolver  # noqa: E402  (needs the apps loaded above)

from fugong.workorders import triage  # noqa: E402

get_resolver().url_patterns  # noqa: B018  (the import is the point)
triage.warm_up()
