"""Citus, ready: every statement the health app issues on a per-employee table (roster,
declarations, gate checks, test-round parts) names its enterprise (tests/shard_keys.py states
the rule; test_health.py and test_health_links.py run under the same guard). This file walks
the paths those two leave out — every page, the API, the exports, the personal link, the
rounds, the demo and the nightly jobs — and checks the checker."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from fugong.core.models import Campaign, Role
from fugong.health import demo, services, tasks
from fugong.health.models import Declaration, GateCheck, RoundEnterprise

from .factories import enterprise_user
from .shard_keys import ShardKeyGuard, violations

pytestmark = pytest.mark.shard_keys

TODAY = timezone.localdate()


def test_the_rule_flags_what_citus_could_not_route():
    bad = [
        'SELECT * FROM "health_declaration" WHERE "health_declaration"."employee_id" = %s',
        'UPDATE "health_employee" SET "name" = %s WHERE "health_employee"."id" = %s',
        'DELETE FROM "health_gatecheck" WHERE "health_gatecheck"."campaign_id" = %s',
        'INSERT INTO "health_declaration" ("employee_id", "day") VALUES (%s, %s)',
        # the join on employee id alone: the roster side names no enterprise
        'SELECT * FROM "health_declaration" INNER JOIN "health_employee" ON '
        '("health_declaration"."employee_id" = "health_employee"."id") '
        'WHERE "health_declaration"."enterprise_id" = %s',
        'SELECT U0."id" FROM "health_roundenterprise" U0 WHERE U0."round_id" = %s',
    ]
    for sql in bad:
        assert violations(sql), sql
    good = [
        'SELECT * FROM "health_declaration" WHERE ("health_declaration"."enterprise_id" = %s '
        'AND "health_declaration"."employee_id" = %s)',
        'UPDATE "health_employee" SET "name" = %s WHERE ("health_employee"."enterprise_id" = %s '
        'AND "health_employee"."id" = %s)',
        'INSERT INTO "health_gatecheck" ("campaign_id", "enterprise_id", "day") VALUES (1, 2, 3)',
        'SELECT U0."id" FROM "health_roundenterprise" U0 WHERE U0."enterprise_id" IN (%s, %s)',
        "CREATE TABLE health_declaration_p20260101 PARTITION OF health_declaration FOR VALUES "
        "FROM ('2026-01-01') TO ('2026-01-02')",
        'SELECT * FROM "registry_enterprise" WHERE "registry_enterprise"."id" = %s',
    ]
    for sql in good:
        assert not violations(sql), sql


def test_the_guard_sees_application_statements_only(cast):
    with ShardKeyGuard() as guard:
        list(Declaration.objects.filter(employee_id=1))  # a test's own query: not counted
    assert guard.seen == 0
    with ShardKeyGuard() as guard:
        services.export_roster(cast.contact_a, cast.a)  # the roster, read by the application
    assert guard.seen == 1 and not guard.found


@pytest.fixture
def health(cast):
    since = TODAY - datetime.timedelta(days=40)
    Campaign.objects.create(name="应急", region=cast.regions.yanji, starts_on=since)
    return enterprise_user("fangyi1", cast.a, role=Role.HEALTH_OFFICER)  # the demo's officer


def test_every_health_path_names_its_enterprise(cast, health, login, api):
    officer = health
    with ShardKeyGuard() as guard:
        assert demo.build(6) == 6  # roster, declarations, gate checks
        zhang = services.roster_of(officer).order_by("id").first()
        li = services.roster_of(officer).order_by("id")[1]
        web = login(officer)
        for url in (
            "/health/",
            "/health/roster/",
            "/health/roster/?q=" + zhang.name[:1],
            "/health/roster/?format=xlsx",
            "/health/roster/new/",
            f"/health/roster/{zhang.pk}/",
            "/health/declarations/",
            "/health/declarations/?abnormal=1",
            "/health/poster.pdf",
            "/health/gate/",
            "/health/gate/?q=" + zhang.name[:1],
            f"/health/gate/?employee={zhang.pk}",
            "/health/grants/",
        ):
            assert web.get(url).status_code == 200, url
        r = web.post(
            f"/health/roster/{li.pk}/",
            {"name": li.name, "id_number": li.id_number, "department": "质检", "in_bubble": "on"},
        )
        assert r.status_code == 302
        r = web.post("/health/gate/", {"employee": li.pk, "direction": "out", "mask": "on"})
        assert r.status_code == 200
        r = web.post(f"/health/roster/{li.pk}/", {"action": "readmit", "reason": "已检测"})
        assert r.status_code == 302
        page = web.post(f"/health/roster/{zhang.pk}/link/", {"action": "issue"}).content.decode()
        path = re.search(r'<code id="personal-url">[^<]*?(/p/[^<]+)</code>', page).group(1)
        person = Client()
        assert person.get(path).status_code == 200
        r = person.post(path, {"temperature": "36.7", "test_result": "negative"})
        assert r.status_code == 302
        code = services.declaration_code(cast.a)
        assert Client().get(f"/d/{code}/").status_code == 200
        r = web.post(f"/health/roster/{zhang.pk}/link/", {"action": "revoke"})
        assert r.status_code == 302

        device = api(officer)
        batch = [
            {"id_number": zhang.id_number, "temperature": 36.5},
            {"id_number": li.id_number, "temperature": 36.6, "direction": "out"},
        ]
        assert device("post", "/health/gate-checks", {"checks": batch}).status_code == 201
        assert device("get", "/health/employees").status_code == 200

        township = login(cast.township)
        r = township.post("/health/rounds/", {"title": "第一轮", "day": TODAY.isoformat()})
        assert r.status_code == 302
        part = RoundEnterprise.objects.get(enterprise=cast.a)
        r = township.post(
            f"/health/rounds/{part.round_id}/", {"part": part.pk, "sampled": 3, "positive": 0}
        )
        assert r.status_code == 302
        web = login(officer)  # one client: each login replaces the last
        r = web.post(
            f"/health/rounds/{part.round_id}/",
            {"part": part.pk, "employee": [zhang.pk, li.pk], "positive": 0, "pending": 1},
        )
        assert r.status_code == 302
        township = login(cast.township)
        assert township.get(f"/health/rounds/{part.round_id}/").status_code == 200
        assert township.get("/health/").status_code == 200
        assert login(cast.yanji).get("/").status_code == 200  # the dashboard's health figures
        assert api(cast.yanji)("get", "/health/summary").status_code == 200

        web = login(officer)
        r = web.post(
            "/health/grants/",
            {
                "username": cast.yanji.username,
                "reason": "流调",
                "start": TODAY.isoformat(),
                "end": TODAY.isoformat(),
            },
        )
        assert r.status_code == 302
        grant = services.InvestigationGrant.objects.get()
        r = login(cast.yanji).get(f"/health/grants/{grant.pk}/export.xlsx")
        assert r.status_code == 200

        tasks.create_partitions.call_local()
        tasks.purge_personal_records.call_local()
        services.rotate_keys()
    assert guard.seen > 60, guard.seen  # the walk really ran the health queries
    part.refresh_from_db()
    assert (part.sampled, part.pending) == (2, 1)
    assert Declaration.objects.filter(enterprise=cast.a, employee=zhang).get().test_result == (
        "negative"
    )
    assert GateCheck.objects.filter(enterprise=cast.a, device="").count() == 5  # 2 + 1 + 2
