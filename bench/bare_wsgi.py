"""The floor of the HTTP path: a bare WSGI callable, served by the same gunicorn as Fugong
(bench/bench_wrk.py), answering what /api/v1/ping answers without Django."""


def application(environ, start_response):
    body = b'{"ok": true}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "12")])
    return [body]
