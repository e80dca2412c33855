"""Scale-out on one machine: two app servers (gunicorn) on different loopback ports and two
queue consumers, each with its own scheduler, against one PostgreSQL and one Redis. Sessions,
rate limits, uploads and the outbox work whichever server or worker answers, and a periodic job
runs once per slot, not once per node. Needs PostgreSQL and Redis (DATABASE_URL and
FUGONG_REDIS_URL); skipped only when they are unset, never in CI."""

import http.cookiejar
import io
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from PIL import Image

from .conftest import fixed_redis_url, free_port, own_database

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
DB = os.environ.get("DATABASE_URL", "")
REDIS = os.environ.get("FUGONG_REDIS_URL", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (DB.startswith("postgres") and REDIS), reason="needs DATABASE_URL and FUGONG_REDIS_URL"
    ),
]


def manage(env, *args):
    return subprocess.run(
        [str(VENV / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


class Bot(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802
        Bot.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def cluster(tmp_path):
    env = dict(
        os.environ,
        DATABASE_URL=own_database("fugong_scale"),
        FUGONG_REDIS_URL=fixed_redis_url(REDIS, "scale_out"),
        FUGONG_CACHE_URL=fixed_redis_url(REDIS, "scale_out", 1),
        FUGONG_QUEUE_NAME="fugong-scale",
        FUGONG_VAR_DIR=str(tmp_path),
        FUGONG_RATE_VERIFY="5",
        DEBUG="0",
        PATH=f"{VENV}:{os.environ['PATH']}",
    )
    import redis

    for url in (env["FUGONG_REDIS_URL"], env["FUGONG_CACHE_URL"]):
        redis.Redis.from_url(url).flushdb()
    manage(env, "migrate", "-v0")
    manage(env, "demo", "--quiet", "--report-days", "1")
    manage(
        env,
        "shell",
        "-c",
        "from fugong.core.models import User; User.objects.update(must_change_password=False)",
    )
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [str(VENV / "gunicorn"), "fugong.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ] + [
        subprocess.Popen(
            [str(VENV / "python"), "manage.py", "run_huey", "-w", "2"],  # each with a scheduler
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    for port in ports:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
    yield env, [f"http://127.0.0.1:{p}" for p in ports]
    for p in processes:
        os.killpg(p.pid, signal.SIGTERM)
    for p in processes:
        p.wait(30)


def browser():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    return opener, jar


def login(opener, jar, base, username):
    opener.open(f"{base}/accounts/login/").read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode(
        {"username": username, "password": "Fugong@2026", "csrfmiddlewaretoken": token}
    ).encode()
    return opener.open(f"{base}/accounts/login/", data).geturl()


def status(opener, url):
    try:
        with opener.open(url) as r:
            return r.status, r.geturl(), r.read()
    except urllib.error.HTTPError as e:
        return e.code, url, b""


def pixels(data):
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGBA").tobytes()


def test_two_servers_two_workers_one_database_one_redis(cluster):
    env, (a, b) = cluster
    # sessions: log in on A, carry on on B
    opener, jar = browser()
    landed = login(opener, jar, a, "yanji")
    assert landed.startswith(a) and "/accounts/login/" not in landed, landed
    code, url, page = status(opener, f"{b}/workorders/")
    assert code == 200 and "/accounts/login/" not in url

    # rate limits count across servers (FUGONG_RATE_VERIFY=5 per sliding minute per client:
    # the same answer whether or not the minute turns during these seven requests)
    codes = [status(urllib.request.build_opener(), f"{(a, b)[i % 2]}/v/x{i}/")[0] for i in range(7)]
    assert codes == [404] * 5 + [429] * 2

    # an upload through A is served by B
    contact, contact_jar = browser()
    login(contact, contact_jar, a, "qiye1")
    token = next(c.value for c in contact_jar if c.name == "csrftoken")
    boundary = "----fugong"
    picture = io.BytesIO()  # a whole image: uploads are decoded and re-encoded
    Image.new("RGB", (4, 3), (200, 30, 30)).save(picture, "PNG")
    png = picture.getvalue()
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
            "货车进不了城\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="p.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + png
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{a}/problems/", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    contact.open(request).read()
    ids = manage(
        env,
        "shell",
        "-c",
        "from fugong.core.models import Attachment; print(Attachment.objects.filter("
        "owner_type='workorders.workorder').values_list('pk', flat=True).last())",
    )
    code, _url, data = status(contact, f"{b}/attachments/{int(ids.split()[-1])}/")
    # the same pixels (uploads are re-encoded, so the bytes may differ)
    assert code == 200 and pixels(data) == pixels(png)

    # the outbox: the same message enqueued by both nodes is sent once
    Bot.received = []
    server = HTTPServer(("127.0.0.1", 0), Bot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_port}/hook"
    manage(
        env,
        "shell",
        "-c",
        "from fugong.core.models import Delivery; from fugong.core.tasks import send_delivery; "
        f"d = Delivery.objects.create(channel='webhook', address='{hook}', webhook_kind='wecom',"
        " title='t', body='b'); send_delivery(d.pk); send_delivery(d.pk)",
    )
    deadline = time.time() + 30
    while time.time() < deadline and not Bot.received:
        time.sleep(0.5)
    time.sleep(3)
    server.shutdown()
    assert len(Bot.received) == 1

    # two schedulers, one run per minute: wait for a minute boundary to pass
    time.sleep(65 - time.time() % 60 + 5)
    out = manage(
        env,
        "shell",
        "-c",
        "import json; from fugong.core.models import JobTick; print(json.dumps(list("
        "JobTick.objects.filter(name='fugong.core.tasks.heartbeat').values_list('runs', 'slot'))"
        ", default=str))",
    )
    ((runs, _slot),) = json.loads(out.strip().splitlines()[-1])
    # started at most ~2 minutes ago: at most 3 slots, however many schedulers enqueued
    assert 1 <= runs <= 3
    assert re.search(r"\d", out)
