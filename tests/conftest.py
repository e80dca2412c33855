"""The shared cast (after healthchecks' hc/test.py): an officer of 延吉市, an officer of 图们市,
a department officer, a township officer, a commissioner and two enterprise contacts, with
enterprises on both sides of every scope boundary."""

import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from fugong.core.models import Role
from fugong.env import redis_database
from fugong.registry.models import Assignment
from fugong.workorders.services import seed_categories

from .factories import (
    EnterpriseFactory,
    ListFactory,
    RegionFactory,
    UnitFactory,
    UserFactory,
    enterprise_user,
)

PASSWORD = "Fugong@2026"
# the Redis databases (queue, cache) of the servers and workers that these tests start
# themselves, outside every worker's range
FIXED_REDIS_DBS = {"scale_out": (5, 6), "faults": (7, 8)}


def fixed_redis_url(url, test, which=0):
    """The Redis URL `url` pointed at `test`'s fixed queue (0) or cache (1) database."""
    return f"{url.rsplit('/', 1)[0]}/{FIXED_REDIS_DBS[test][which]}"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config, specs):
    """`make test` runs the suite in parallel processes (pytest-xdist, a file at a time each).
    pytest-django gives each its own test database; each also gets its own queue name and its
    own pair of Redis databases (queue, cache), so one worker's `cache.clear()` or
    `HUEY.flush()` never touches the other's. Set here, before the workers start, because the
    settings read them at import."""
    queue = os.environ.get("FUGONG_QUEUE_NAME", "fugong")
    redis_url = os.environ.get("FUGONG_REDIS_URL", "")
    base, first = redis_database(redis_url)
    fixed = sorted(db for pair in FIXED_REDIS_DBS.values() for db in pair)
    if redis_url and set(range(first, first + 2 * len(specs))) & set(fixed):
        raise pytest.UsageError(
            f"{len(specs)} test workers from Redis database {first} reach the databases that "
            f"tests use for servers of their own ({fixed}): use fewer workers or "
            "another FUGONG_REDIS_URL database"
        )
    for i, spec in enumerate(specs):
        spec.env["FUGONG_QUEUE_NAME"] = f"{queue}-{i}"
        if redis_url:
            spec.env["FUGONG_REDIS_URL"] = f"{base}/{first + 2 * i}"


def pytest_collection_modifyitems(config, items):
    """The longest tests first (`slow`, then the browser's), so that the parallel workers,
    which take the files in this order, finish together rather than one waiting on the other's
    last long file."""
    items.sort(
        key=lambda item: (
            not item.get_closest_marker("slow"),
            not item.get_closest_marker("browser"),
        )
    )


@pytest.fixture
def cast(db):
    jilin = RegionFactory(code="220000", name="吉林省", level="province")
    yanbian = RegionFactory(code="222400", name="延边朝鲜族自治州", level="city", parent=jilin)
    yanji = RegionFactory(code="222401", name="延吉市", level="county", parent=yanbian)
    tumen = RegionFactory(code="222402", name="图们市", level="county", parent=yanbian)
    jinxue = RegionFactory(code="222401001", name="进学街道", level="township", parent=yanji)
    beishan = RegionFactory(code="222401002", name="北山街道", level="township", parent=yanji)
    xiangshang = RegionFactory(code="222402001", name="向上街道", level="township", parent=tumen)

    cc_yanbian = UnitFactory(
        code="222400-zb", name="延边州专班", kind="command_centre", region=yanbian
    )
    cc_yanji = UnitFactory(
        code="222401-zb", name="延吉市专班", kind="command_centre", region=yanji, parent=cc_yanbian
    )
    cc_tumen = UnitFactory(
        code="222402-zb", name="图们市专班", kind="command_centre", region=tumen, parent=cc_yanbian
    )
    gxj = UnitFactory(
        code="222400-gxj",
        name="延边州工信局",
        kind="department",
        sector="industry",
        region=yanbian,
        parent=cc_yanbian,
    )
    jinxue_gov = UnitFactory(
        code="222401001-gov", name="进学街道办事处", kind="township", region=jinxue, parent=cc_yanji
    )

    a = EnterpriseFactory(name="延吉甲制药有限公司", region=jinxue)
    a2 = EnterpriseFactory(name="延吉乙食品有限公司", region=beishan, industry="14", scale="below")
    b = EnterpriseFactory(name="图们丙纺织有限公司", region=xiangshang, industry="17")

    seed_categories()  # a transactional test before this one may have flushed the migration's
    commissioner = UserFactory(username="tepaiyuan", role=Role.COMMISSIONER)
    Assignment.objects.create(enterprise=a2, township=None).commissioners.add(commissioner)

    return SimpleNamespace(
        regions=SimpleNamespace(
            jilin=jilin,
            yanbian=yanbian,
            yanji=yanji,
            tumen=tumen,
            jinxue=jinxue,
            beishan=beishan,
            xiangshang=xiangshang,
        ),
        units=SimpleNamespace(
            cc_yanbian=cc_yanbian, cc_yanji=cc_yanji, cc_tumen=cc_tumen, gxj=gxj, jinxue=jinxue_gov
        ),
        a=a,
        a2=a2,
        b=b,
        admin=UserFactory(username="admin", role=Role.ADMIN, is_superuser=True, is_staff=True),
        zhuanban=UserFactory(username="zhuanban", role=Role.COMMAND_CENTRE, unit=cc_yanbian),
        yanji=UserFactory(username="yanji", role=Role.COMMAND_CENTRE, unit=cc_yanji),
        tumen=UserFactory(username="tumen", role=Role.COMMAND_CENTRE, unit=cc_tumen),
        department=UserFactory(username="gongxin", role=Role.DEPARTMENT, unit=gxj),
        township=UserFactory(username="jinxue", role=Role.TOWNSHIP, unit=jinxue_gov),
        commissioner=commissioner,
        contact_a=enterprise_user("qiye_a", a),
        contact_b=enterprise_user("qiye_b", b),
        checkpoint=UserFactory(username="kakou", role=Role.CHECKPOINT, unit=cc_yanji),
        key_list=ListFactory(name="重点企业", kind="key"),
    )


@pytest.fixture
def api(client):
    """`api(user)(method, url, data=None)`: the API as `user`, with a fresh bearer token."""
    from fugong.core.services import issue_token

    def as_user(user):
        _t, raw = issue_token(user, "test")

        def call(method, url, data=None):
            return getattr(client, method)(
                "/api/v1" + url,
                data=data,
                HTTP_AUTHORIZATION=f"Bearer {raw}",
                content_type="application/json",
            )

        return call

    return as_user


@pytest.fixture
def transport(cast):
    """延吉市交通运输局 under 延吉市专班, with an officer."""
    unit = UnitFactory(
        code="222401-jtj",
        name="延吉市交通运输局",
        kind="department",
        sector="transport",
        region=cast.regions.yanji,
        parent=cast.units.cc_yanji,
    )
    return unit, UserFactory(username="jtj", role=Role.DEPARTMENT, unit=unit)


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the cache (Redis in CI): each test starts at zero."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 is slow by design; tests hash a dozen passwords per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the browser (Debian chromium through Playwright) ------------------------------------

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "browser"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the live server shares the test DB
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="zh-CN", accept_downloads=True
        )
        yield context.new_page()
        browser.close()


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """No persistent connections in tests: live-server and task threads must not keep the test
    database open at teardown."""
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


class Receiver(BaseHTTPRequestHandler):
    """Records what a group bot would receive; answers `status` (500 to make a sender retry)."""

    received = []
    status = 200

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.path, json.loads(body)))
        self.send_response(Receiver.status)
        self.end_headers()
        self.wfile.write(b'{"errcode":0}')

    def log_message(self, *args):
        pass


@pytest.fixture
def bot():
    """A local HTTP endpoint standing in for the WeCom/DingTalk/Feishu servers, which are not
    reachable from this machine. Yields (url, received list)."""
    Receiver.received, Receiver.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", Receiver.received
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback (aiosmtpd); Django sends to it over SMTP. Yields the
    list of received messages (email.message.Message)."""
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.append(message_from_bytes(envelope.original_content or envelope.content))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield received
    controller.stop()


@pytest.fixture
def campaign(cast):
    """A campaign over the whole city, running since five days ago (test modules that need
    another shape define their own)."""
    import datetime

    from django.utils import timezone

    from fugong.core.models import Campaign

    return Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=timezone.localdate() - datetime.timedelta(days=5),
        sla={"workorder_hours": 72},
    )


def queries(call):
    """`call()`'s result and the SQL of the statements it sent on the default connection."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, [query["sql"] for query in captured.captured_queries]


def statements(call):
    """`call()`'s result and the number of SQL statements it sent on the default connection."""
    result, sql = queries(call)
    return result, len(sql)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def own_database(name):
    """For tests that start processes of their own: on PostgreSQL (CI) the URL of a database
    `name` (suffixed with the suite's own database name unless that is `fugong`), dropped and
    created afresh; None on SQLite (those processes use a temporary
    FUGONG_VAR_DIR)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    import psycopg

    base, main = url.rsplit("/", 1)
    if main != "fugong":  # another checkout's suite may run beside this one on the same server
        name = f"{name}_{main}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


@pytest.fixture(autouse=True)
def _shard_keys(request):
    """Tests marked `shard_keys` fail on any application statement that touches a per-employee
    table without an enterprise_id condition (tests/shard_keys.py states the rule)."""
    if request.node.get_closest_marker("shard_keys") is None:
        yield
        return
    from .shard_keys import ShardKeyGuard

    with ShardKeyGuard() as guard:
        yield
    if guard.found:
        pytest.fail(f"{len(guard.found)} statement(s) without enterprise_id:\n{guard.report()}")
