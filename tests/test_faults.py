"""Faults: a process killed with SIGKILL in the middle of an import and in the middle of a
notification batch. After the restart nothing is half-imported, nothing is lost, and nothing is
marked sent that was not received; the one message a killed worker may have had in flight is
sent again with the same X-Fugong-Delivery key, so a receiver can drop the repeat."""

import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import fixed_redis_url, own_database

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")


@pytest.fixture
def installation(tmp_path):
    """A database and a queue of their own for the processes under test."""
    env = dict(os.environ, FUGONG_VAR_DIR=str(tmp_path), FUGONG_QUEUE_NAME="fugong-fault")
    url = own_database("fugong_fault")
    if url:
        env["DATABASE_URL"] = url
    if env.get("FUGONG_REDIS_URL"):
        env["FUGONG_REDIS_URL"] = fixed_redis_url(env["FUGONG_REDIS_URL"], "faults")
        env["FUGONG_CACHE_URL"] = fixed_redis_url(env["FUGONG_REDIS_URL"], "faults", 1)
        import redis

        redis.Redis.from_url(env["FUGONG_REDIS_URL"]).flushdb()
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PY, "manage.py", "demo", "--quiet", "--report-days", "1"], cwd=ROOT, env=env, check=True
    )
    return env


def shell(env, code):
    out = subprocess.run(
        [PY, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


def enterprise_file(path, n):
    from openpyxl import Workbook

    from fugong.core.validators import uscc_check_char

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "规模"])
    for i in range(n):
        first = f"91222401MA{i:07d}"
        ws.append([first + uscc_check_char(first), f"故障测试企业{i}", "222401001", "C27", "规上"])
    wb.save(path)


def writer(env):
    """A probe that is True once the import's transaction has begun writing: PostgreSQL's
    activity view (polled on one open connection), or the growth of SQLite's write-ahead log."""
    url = env.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        conn = psycopg.connect(url, autocommit=True)

        def probe():
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
                "AND query ILIKE '%registry_%'"
            ).fetchone()
            return row[0] > 0

        return probe
    wal = Path(env["FUGONG_VAR_DIR"]) / "fugong.sqlite3-wal"
    started = wal.stat().st_size if wal.exists() else 0
    return lambda: wal.exists() and wal.stat().st_size > started + 512 * 1024


def test_an_import_killed_midway_leaves_nothing_behind(installation, tmp_path):
    env = installation
    before = int(
        shell(env, "from fugong.registry.models import Enterprise as E; print(E.objects.count())")
    )
    big = tmp_path / "big.xlsx"
    enterprise_file(big, 20000)
    writing = writer(env)
    process = subprocess.Popen(
        [PY, "manage.py", "import", "enterprises", str(big)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None and not writing():
        time.sleep(0.01)
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    count = "from fugong.registry.models import Enterprise as E; print(E.objects.count())"
    assert int(shell(env, count)) == before  # nothing half-imported
    subprocess.run(
        [PY, "manage.py", "import", "enterprises", str(big)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    assert int(shell(env, count)) == before + 20000  # the restarted import completes


class SlowBot(BaseHTTPRequestHandler):
    keys = []

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        SlowBot.keys.append(self.headers["X-Fugong-Delivery"])
        time.sleep(0.15)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_worker_killed_during_a_notification_batch(installation):
    env = dict(installation, FUGONG_BOT_PER_MINUTE="1000")  # one post per message, unmerged
    SlowBot.keys = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowBot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_port}/hook"
    shell(
        env,
        "from fugong.core.models import Delivery; from fugong.core.tasks import send_delivery\n"
        f"for i in range(40):\n d = Delivery.objects.create(channel='webhook', address='{hook}',"
        " webhook_kind='wecom', title=f'm{i}', body='b'); send_delivery(d.pk)\nprint('ok')",
    )
    worker = subprocess.Popen(
        [PY, "manage.py", "run_huey", "-w", "1", "-n"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline and len(SlowBot.keys) < 10:
        time.sleep(0.02)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    received_at_kill = set(SlowBot.keys)
    assert 10 <= len(received_at_kill) < 40
    sent = set(
        shell(
            env,
            "from fugong.core.models import Delivery; print(' '.join(f'delivery-{pk}' for pk in "
            f"Delivery.objects.filter(status='sent', address='{hook}')"
            ".values_list('pk', flat=True)))",
        ).split()
    )
    assert sent <= received_at_kill  # nothing marked sent that was not received
    # the restart: the sweep releases what the dead worker held and enqueues what is pending
    shell(
        env,
        "from django.utils import timezone; from datetime import timedelta; "
        "from fugong.core import services; from fugong.core.tasks import send_delivery; "
        "ids = services.stale_deliveries(timezone.now() + timedelta(minutes=20)); "
        "[send_delivery(pk) for pk in ids]; print(len(ids))",
    )
    worker = subprocess.Popen(
        [PY, "manage.py", "run_huey", "-w", "2", "-n"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    status = (
        "from fugong.core.models import Delivery as D; "
        f"print(D.objects.filter(address='{hook}').exclude(status='sent').count())"
    )
    deadline = time.time() + 90
    while time.time() < deadline and shell(env, status) != "0":
        time.sleep(0.5)
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(30)
    server.shutdown()
    assert shell(env, status) == "0"  # nothing lost
    repeats = len(SlowBot.keys) - len(set(SlowBot.keys))
    assert len(set(SlowBot.keys)) == 40 and repeats <= 1  # at most the one in flight
