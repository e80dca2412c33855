"""Run by tests/test_replica.py in a child process whose DATABASE_URL is a throwaway primary and
FUGONG_REPLICA_URL its streaming replica (both migrated and running); prints, as the last
line, a JSON object of what it saw. Not a test module itself: it needs those databases."""

import json
import os
import subprocess
import time
from contextlib import contextmanager
from datetime import timedelta

import django

django.setup()

from django.db import connections  # noqa: E402  (after django.setup())
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from fugong.core.models import Campaign, Role  # noqa: E402
from fugong.core.replicas import COOKIE, replica_reads, replica_status  # noqa: E402
from fugong.registry.models import Enterprise  # noqa: E402
from fugong.reporting.rollups import roll_forward  # noqa: E402
from tests.factories import (  # noqa: E402
    EnterpriseFactory,
    RegionFactory,
    UnitFactory,
    UserFactory,
)


@contextmanager
def counting():
    """The SQL each database ran inside the block: {"default": [...], "replica": [...]}."""
    seen = {"default": [], "replica": []}

    def recorder(alias):
        def record(execute, sql, params, many, context):
            seen[alias].append(sql)
            return execute(sql, params, many, context)

        return record

    with (
        connections["default"].execute_wrapper(recorder("default")),
        connections["replica"].execute_wrapper(recorder("replica")),
    ):
        yield seen


def enterprise_reads(sqls):
    return sum(1 for sql in sqls if "registry_enterprise" in sql)


def get_list(client, name):
    with counting() as seen:
        response = client.get("/enterprises/")
    return {
        "status": response.status_code,
        "names_shown": name in response.content.decode(),
        "replica_queries": len(seen["replica"]),
        "primary_enterprise_reads": enterprise_reads(seen["default"]),
    }


def main():
    out = {}
    # the cast, written on the primary (no request: everything goes to the primary)
    province = RegionFactory(code="220000", name="吉林省", level="province")
    city = RegionFactory(code="222400", name="延边朝鲜族自治州", level="city", parent=province)
    centre = UnitFactory(code="222400-zb", name="延边州专班", kind="command_centre", region=city)
    officer = UserFactory(username="zhuanban", role=Role.COMMAND_CENTRE, unit=centre)
    name = "延吉副本制药有限公司"
    enterprise = EnterpriseFactory(name=name, region=city)
    campaign = Campaign.objects.create(
        name="本轮应急", region=city, starts_on=timezone.localdate() - timedelta(days=3)
    )

    # a replica, fed by streaming
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        out["in_recovery"] = cursor.fetchone()[0]
    try:
        with connections["replica"].cursor() as cursor:
            cursor.execute("CREATE TABLE refused (i int)")
        out["replica_write_error"] = ""
    except Exception as exc:  # noqa: BLE001 - the refusal is what we want to see
        out["replica_write_error"] = str(exc)
    deadline = time.monotonic() + 60
    while not Enterprise.objects.using("replica").filter(pk=enterprise.pk).exists():
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    out["streamed"] = Enterprise.objects.using("replica").filter(pk=enterprise.pk).exists()
    out["status_text"] = replica_status()
    out["healthz_up"] = Client().get("/healthz").json().get("checks", {}).get("replica", "")

    client = Client()
    client.force_login(officer)  # the session, on the primary (outside any request)
    deadline = time.monotonic() + 30  # ... and streamed, as a real login would be by its GET
    while True:
        page = get_list(client, name)
        if page["replica_queries"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    out["list_on_replica"] = {
        **page,
        "primary_reads_after_auth": page.pop("primary_enterprise_reads"),
    }

    # a write (an API token made on the profile page) keeps the client on the primary
    response = client.post("/profile/", {"name": "集成"})
    cookie_set = COOKIE in response.cookies
    following = get_list(client, name)
    time.sleep(3.5)  # FUGONG_READ_YOUR_WRITES_SECONDS=3: the cookie's max-age and the stamp
    client.cookies.pop(COOKIE, None)  # a browser drops the cookie at its max-age
    later = get_list(client, name)
    out["after_a_write"] = {
        "status": response.status_code,
        "cookie_set": cookie_set,
        "next_page_replica_queries": following["replica_queries"],
        "after_the_window_replica_queries": later["replica_queries"],
    }

    # one request: a read, a write, a read
    with replica_reads():
        first = Enterprise.objects.get(pk=enterprise.pk)
        read_from = first._state.db  # before save(), which sets it to where it wrote
        first.notes = "副本测试"
        first.save(update_fields=["notes"])
        again = Enterprise.objects.get(pk=enterprise.pk)
    out["same_request"] = [read_from, first._state.db, again._state.db]

    # the worker: roll-forward outside any request
    with counting() as seen:
        roll_forward(campaign)
    out["worker_replica_queries"] = len(seen["replica"])
    out["worker_primary_queries"] = len(seen["default"])

    # the replica stops: reads fall back to the primary
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            *runner,
            os.path.join(os.environ["FUGONG_TEST_PG_BIN"], "pg_ctl"),
            "-D",
            os.environ["FUGONG_TEST_REPLICA_DIR"],
            "-m",
            "immediate",
            "-w",
            "stop",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    connections["replica"].close()
    down = get_list(client, name)
    down.pop("primary_enterprise_reads")
    health = Client().get("/healthz").json()  # FUGONG_HEALTH_NETWORKS: the details shown
    out["replica_down"] = {
        **down,
        "status_text": replica_status(),
        "healthz": health.get("checks", {}).get("replica", ""),
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
