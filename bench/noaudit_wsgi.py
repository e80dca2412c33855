"""Fugong with the audit trail switched off, for bench/bench_wrk.py only (the rates of the
hot paths with and without auditing): every module's `audit` becomes a no-op once the URL
configuration (and so every service module) is loaded. Never deployed."""

import sys

from django.urls import get_resolver

from fugong.wsgi import application  # noqa: F401  (django.setup)

get_resolver().url_patterns  # noqa: B018  (imports every view and service module)
from fugong.core import audit as _audit  # noqa: E402

real = _audit.audit
for module in list(sys.modules.values()):
    if getattr(module, "audit", None) is real:
        module.audit = lambda *args, **kwargs: None
