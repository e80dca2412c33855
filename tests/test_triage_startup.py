"""No training inside a request: a web process loads (or builds) the triage model before it
serves, so the first work order after a server start is created quickly."""

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import free_port, own_database

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"

SEED = """
import datetime, json
from django.utils import timezone
from fugong.core.models import Campaign
from fugong.core.services import issue_token
from fugong.workorders.services import seed_categories
from tests.factories import EnterpriseFactory, RegionFactory, enterprise_user
city = RegionFactory(code="222400", name="延边朝鲜族自治州", level="city")
county = RegionFactory(code="222401", name="延吉市", level="county", parent=city)
enterprise = EnterpriseFactory(name="延吉甲制药有限公司", region=county)
yesterday = timezone.localdate() - datetime.timedelta(1)
Campaign.objects.create(name="复工", region=city, starts_on=yesterday)
seed_categories()
_t, raw = issue_token(enterprise_user("qiye", enterprise), "startup")
print(json.dumps({"token": raw, "uscc": enterprise.uscc}))
"""


def test_it_creates_the_first_work_order_after_a_start_in_under_300_ms(tmp_path):
    env = dict(os.environ, FUGONG_VAR_DIR=str(tmp_path), DEBUG="0")
    url = own_database("fugong_triage_startup")
    if url:
        env["DATABASE_URL"] = url
    manage = [str(VENV / "python"), "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    seeded = subprocess.run(
        [*manage, "shell", "-c", SEED], cwd=ROOT, env=env, check=True, capture_output=True
    )
    given = json.loads(seeded.stdout.decode().strip().splitlines()[-1])
    assert not list(tmp_path.glob("triage*.joblib"))  # nothing built yet: the start must do it
    port = free_port()
    server = subprocess.Popen(
        [str(VENV / "gunicorn"), "fugong.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("the server did not start")
        request = urllib.request.Request(  # noqa: S310
            f"http://127.0.0.1:{port}/api/v1/workorders",
            data=json.dumps({"uscc": given["uscc"], "text": "天然气限供了，锅炉停了"}).encode(),
            headers={
                "Authorization": f"Bearer {given['token']}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            with urllib.request.urlopen(request) as r:  # noqa: S310
                body = json.loads(r.read())
                timings.append(time.perf_counter() - started)
            assert r.status == 201 and body["id"]
        first, second = timings
        # training inside the request takes seconds; the other test worker on the same two
        # cores slows both requests alike, so a loaded machine is judged against the second
        assert first < max(0.3, 4 * second), (
            f"the first work order took {first:.2f} s (the second {second:.2f} s)"
        )
        assert list(tmp_path.glob("triage-default-*.joblib"))  # built at start, kept for the next
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
