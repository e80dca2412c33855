"""Production mode: the Procfile's processes start (web on gunicorn, a worker, the scheduler) and
/healthz turns green; logs are JSON lines; /healthz says what is down; periodic jobs run once per
slot however many schedulers enqueue them."""

import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from fugong.core.jobs import claim

from .conftest import free_port, own_database

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
HEALTH_TOKEN = "monitoring-token-0123456789"


@pytest.fixture
def environment(tmp_path):
    """A database of its own for the processes: a temporary SQLite file, or (in CI) a fresh
    PostgreSQL database and a queue name of its own on the Redis server."""
    env = dict(
        os.environ,
        FUGONG_VAR_DIR=str(tmp_path),
        DEBUG="0",
        FUGONG_LOG_FORMAT="json",
        FUGONG_HEALTH_TOKEN=HEALTH_TOKEN,
    )
    url = own_database("fugong_procfile")
    if url:
        env["DATABASE_URL"] = url
    env["FUGONG_QUEUE_NAME"] = "fugong-procfile-test"
    subprocess.run(
        [str(VENV / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )
    yield env


def get(url, token=HEALTH_TOKEN):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as r:  # noqa: S310
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_the_procfile_processes_serve_and_healthz_turns_green(environment):
    procfile = (ROOT / "Procfile").read_text()
    assert set(re.findall(r"^(\w+):", procfile, re.M)) == {"web", "worker", "scheduler"}
    port = free_port()
    env = dict(environment, BIND=f"127.0.0.1:{port}", PATH=f"{VENV}:{os.environ['PATH']}")
    process = subprocess.Popen(
        [str(VENV / "honcho"), "start", "-f", "Procfile"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        status, body = None, None
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert status == 200, body
        assert body["status"] == "ok" and set(body["checks"]) == {"database", "queue", "workers"}
        assert get(f"http://127.0.0.1:{port}/healthz", token="wrong") == (200, {"status": "ok"})
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as r:  # noqa: S310
            assert r.status == 200 and "Content-Security-Policy" in r.headers
            page = r.read().decode()
        css = re.search(r'href="(/static/[^"]+\.css)"', page).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{css}") as r:  # noqa: S310
            assert r.status == 200  # static files from the web process itself (WhiteNoise)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    names = {
        m.group(1) for m in re.finditer(r"^\S+ (web|worker|scheduler)\.\d+\s+\|", output, re.M)
    }
    assert names == {"web", "worker", "scheduler"}, output[-2000:]
    json_lines = [
        line.split("| ", 1)[1]
        for line in output.splitlines()
        if "| {" in line and '"level"' in line
    ]
    assert json_lines and all(json.loads(line)["level"] for line in json_lines)


def test_healthz_says_what_is_down(client, db, settings):
    settings.FUGONG_HEALTH_TOKEN = HEALTH_TOKEN
    status = client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {HEALTH_TOKEN}")
    assert status.status_code == 503
    checks = status.json()["checks"]
    assert checks["database"] == "ok" and checks["queue"].startswith("ok")
    assert checks["workers"].startswith("fail")
    from fugong.core.jobs import beat

    beat()
    assert client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {HEALTH_TOKEN}").status_code == 200


def test_it_tells_the_public_only_up_or_down(client, db, settings):
    settings.FUGONG_HEALTH_TOKEN = HEALTH_TOKEN
    for headers in (
        {},
        {"HTTP_AUTHORIZATION": "Bearer guess"},
        {"HTTP_X_FORWARDED_FOR": "10.0.0.1"},
    ):
        r = client.get("/healthz", **headers)
        assert (r.status_code, r.json()) == (503, {"status": "fail"})
    settings.FUGONG_HEALTH_NETWORKS = ["10.0.0.0/8"]
    assert (
        client.get("/healthz", REMOTE_ADDR="10.1.2.3")
        .json()["checks"]["workers"]
        .startswith("fail")
    )
    assert "checks" not in client.get("/healthz", REMOTE_ADDR="192.0.2.7").json()


def test_a_periodic_job_runs_once_per_slot_whatever_the_schedulers(db):
    from fugong.core.models import JobTick
    from fugong.core.tasks import heartbeat

    slot = timezone.now().replace(second=0, microsecond=0)
    assert claim("job", slot) is True
    assert claim("job", slot) is False  # the second scheduler's copy
    assert claim("job", slot + timezone.timedelta(minutes=1)) is True
    heartbeat.call_local()
    heartbeat.call_local()  # enqueued by a second node in the same minute: nothing happens
    tick = JobTick.objects.get(name="fugong.core.tasks.heartbeat")
    assert tick.slot == timezone.now().replace(second=0, microsecond=0)


def test_production_refuses_a_default_secret_and_sqlite():
    env = dict(
        os.environ,
        FUGONG_ENV="production",
        SECRET_KEY="insecure-embedded-mode-only-do-not-use-in-production",
        ALLOWED_HOSTS="example.cn",
    )
    env.pop("DATABASE_URL", None)
    r = subprocess.run(
        [str(VENV / "python"), "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode != 0 and "SECRET_KEY" in r.stderr
    env.update(
        SECRET_KEY="s" * 60,
        FUGONG_DATA_KEYS="6Hq0sS2j8y5u3n1QbW1vXz2aK4m7P9r0t2Y5c8E1g3I=",
        FUGONG_HASH_KEY="h" * 40,
    )
    r = subprocess.run(
        [str(VENV / "python"), "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode != 0 and "DATABASE_URL" in r.stderr
