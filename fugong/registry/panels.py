"""Sections other apps add to the enterprise page (its work orders, applications, passes …)
without the registry importing them: an app registers a function (user, enterprise) → HTML or
"" in its AppConfig.ready()."""

PANELS = []


def register(fn):
    PANELS.append(fn)
    return fn


def panels_for(request, enterprise):
    return [html for html in (fn(request, enterprise) for fn in PANELS) if html]
