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
