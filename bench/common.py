"""Shared set-up for the benchmarks: a fresh database of their own (SQLite in a temp dir, or
the PostgreSQL database named by BENCH_DATABASE_URL, which is dropped and recreated unless
BENCH_REUSE=1), Django
configured, migrations applied. Benchmarks print ratios against a baseline measured in the
same run; they are not pass/fail tests."""

import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup():
    url = os.environ.get("BENCH_DATABASE_URL")
    if url and os.environ.get("BENCH_REUSE") == "1":  # keep a database built by an earlier run
        os.environ["DATABASE_URL"] = url
    elif url:
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["FUGONG_VAR_DIR"] = tempfile.mkdtemp(prefix="fugong-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fugong.settings")
    # load from one address: the per-client rate limits would measure themselves
    for scope in ("LOGIN", "DECLARE", "VERIFY", "PUBLIC_API"):
        os.environ[f"FUGONG_RATE_{scope}"] = "100000000"
    os.environ["DEBUG"] = "0"
    warnings.filterwarnings("ignore", "No directory at")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    return connection.vendor


def timed(fn, repeat=1):
    """Best-of-`repeat` wall time of fn() in seconds, and its last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def p50(fn, n):
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def p50_alternating(fn, floor, n):
    """The medians of `fn` and of its `floor`, called in turn: on a shared machine whose load
    moves, both see the same moments."""
    samples = ([], [])
    for _ in range(n):
        for i, call in enumerate((fn, floor)):
            t = time.perf_counter()
            call()
            samples[i].append(time.perf_counter() - t)
    return statistics.median(samples[0]), statistics.median(samples[1])


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving fugong.wsgi on a free loopback port with the benchmark's settings
    (`with Server(workers=2) as port:`)."""

    def __init__(self, workers=2, app="fugong.wsgi", env=None, production=False, cwd=ROOT):
        # cwd: the checkout served (gunicorn puts it first on sys.path: an earlier commit's
        # worktree, with this one's virtualenv, for a before/after in one run)
        self.workers, self.app, self.env, self.cwd = workers, app, env or {}, cwd
        # the Procfile's web flags (without its access log, the same for every app measured)
        self.extra = (
            ["--timeout", "120", "--max-requests", "5000", "--max-requests-jitter", "500"]
            if production
            else []
        )

    def __enter__(self):
        import socket
        import subprocess

        self.port = free_port()
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                self.app,
                "--workers",
                str(self.workers),
                *self.extra,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=self.cwd,
            env=dict(os.environ, DEBUG="0", **self.env),
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        return self.port

    def __exit__(self, *exc):
        import subprocess

        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:  # a loaded machine: do not leave it running
            self.process.kill()
            self.process.wait(10)


def load(port, work, seconds, concurrency):
    """Run `work(conn)` — one unit of work over an http.client connection, returning True when
    it succeeded — from `concurrency` threads for `seconds`. Returns units per second, p50 and
    p95 latency and the failures."""
    import http.client
    import threading

    latencies, failures = [], []
    stop = time.perf_counter() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                ok = work(conn)
            except (OSError, http.client.HTTPException) as exc:
                ok = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if ok is True:
                mine.append(time.perf_counter() - t)
            else:
                failures.append(ok)
        latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) if latencies else 0,
        "p95": latencies[int(len(latencies) * 0.95)] if latencies else 0,
        "errors": len(failures),
    }


def get(path, headers=None):
    """A unit of work: GET `path`, success when 200."""

    def work(conn):
        conn.request("GET", path() if callable(path) else path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status == 200 or response.status

    return work


def build_roster(enterprise, n):
    """`n` employees on the enterprise's roster (valid ID numbers, encrypted as in use);
    returns them as saved."""
    from fugong.health import services
    from fugong.health.demo import id_card
    from fugong.health.models import Employee

    people = []
    for i in range(n):
        e = Employee(enterprise=enterprise)
        services.fill_employee(
            e,
            {
                "name": f"员工{i}",
                "id_number": id_card(i % 1000, born=f"19{70 + i // 1000}0101"),
                "phone": "",
            },
            {"department": "车间"},
        )
        people.append(e)
    Employee.objects.bulk_create(people, batch_size=1000)
    return list(Employee.objects.filter(enterprise=enterprise))


def personal_links(people):
    """A personal declaration link for each employee, as the health officer's slips carry
    them (stored as their keyed hash): {employee id: "/p/<token>/"}."""
    import secrets

    from fugong.health import services
    from fugong.health.models import Employee

    paths = {}
    for p in people:
        secret = secrets.token_urlsafe(18)
        p.link_hash = services.token_hash(secret)
        paths[p.pk] = f"/p/{p.enterprise_id}.{secret}/"
    Employee.objects.bulk_update(people, ["link_hash"], batch_size=1000)
    return paths


def issue_passes(campaign, n, days=7):
    """`n` approved passes of random demo enterprises, valid from today; returns their codes."""
    import random

    from django.utils import timezone

    from fugong.core.codes import new_code
    from fugong.core.models import Unit
    from fugong.passes.models import Pass
    from fugong.registry.models import Enterprise

    unit = Unit.objects.filter(sector="transport").first()
    enterprises = list(Enterprise.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    Pass.objects.bulk_create(
        [
            Pass(
                campaign=campaign,
                enterprise_id=random.choice(enterprises),
                plate=f"吉H{i:05d}",
                vehicle_type="heavy_truck",
                driver_name="张小三",
                driver_phone="13904331234",
                origin="延吉",
                destination="长春",
                cargo="materials",
                valid_from=today,
                valid_until=today + timezone.timedelta(days=days),
                state="approved",
                issuing_unit=unit,
                code=new_code("pass"),
            )
            for i in range(n)
        ],
        batch_size=1000,
    )
    return list(Pass.objects.values_list("code", flat=True))
