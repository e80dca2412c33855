"""Staff health: the roster (import, encryption at rest), declarations (identity, once a day,
alerts), the gate (refusal rules, visitors, the closed-loop no-return rule and re-admission),
test rounds, masking and the audit of unmasked views, investigation grants, retention on SQLite
and PostgreSQL, key rotation, the gate devices' batch API, and data scope."""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from fugong.core import crypto
from fugong.core.models import AuditLog, Campaign, Notification, Role
from fugong.core.permissions import SYSTEM
from fugong.core.validators import normalize_id_card
from fugong.health import services
from fugong.health.demo import id_card
from fugong.health.imports import RosterImporter
from fugong.health.models import Declaration, Employee, GateCheck

from .factories import enterprise_user

pytestmark = pytest.mark.shard_keys  # tests/shard_keys.py: Citus-ready queries

TODAY = timezone.localdate()


@pytest.fixture
def health(cast):
    campaign = Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=TODAY - datetime.timedelta(days=40),
        modules=["health", "workorders"],
    )
    officer = enterprise_user("fangyi_a", cast.a, role=Role.HEALTH_OFFICER)
    officer_b = enterprise_user("fangyi_b", cast.b, role=Role.HEALTH_OFFICER)
    zhang = services.save_employee(
        officer,
        cast.a,
        {"name": "张小三", "id_number": id_card(271), "phone": "13904331234", "department": "车间"},
    )
    li = services.save_employee(
        officer,
        cast.a,
        {"name": "李四", "id_number": id_card(272), "phone": "13904335678", "in_bubble": True},
    )
    wang_b = services.save_employee(
        officer_b, cast.b, {"name": "王五", "id_number": id_card(273, region="222402")}
    )
    return SimpleNamespace(
        campaign=campaign, officer=officer, officer_b=officer_b, zhang=zhang, li=li, wang_b=wang_b
    )


def declare(h, cast, employee=None, **over):
    data = {"temperature": "36.5", "symptoms": [], "test_result": "none", **over}
    return services.declare(cast.a, employee or h.zhang, data)


def xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEADER = ["姓名", "身份证号", "手机号", "部门", "是否住厂", "是否闭环"]


# --- roster ---------------------------------------------------------------------------------


def test_the_id_card_check_digit_is_checked():
    assert normalize_id_card(id_card(5).lower()) == id_card(5)
    bad = id_card(5)[:-1] + ("0" if id_card(5)[-1] != "0" else "1")
    with pytest.raises(ValidationError, match="校验位"):
        normalize_id_card(bad)
    with pytest.raises(ValidationError, match="出生日期"):
        normalize_id_card(id_card(5, born=f"{TODAY.year + 1}0101"))


def test_the_roster_import_reports_every_bad_row_and_imports_nothing(cast, health):
    bad_check = id_card(300)[:-1] + ("0" if id_card(300)[-1] != "0" else "1")
    data = xlsx(
        [
            HEADER,
            ["赵六", id_card(301), "13904330001", "仓库", "是", "否"],
            ["钱七", bad_check, "13904330002", "", "", ""],
            ["孙八", id_card(302), "1234", "", "也许", ""],
            ["周九", id_card(301), "", "", "", ""],
        ]
    )
    report = RosterImporter(health.officer).run(data)
    got = {(e.row, e.column) for e in report.errors}
    assert got == {(3, "身份证号"), (4, "手机号"), (4, "是否住厂"), (5, "身份证号")}
    assert not report.written and Employee.objects.filter(enterprise=cast.a).count() == 2
    report = RosterImporter(health.officer).run(data, skip_bad=True)
    assert (report.created, report.updated) == (1, 0)  # 周九 repeats 赵六 ID: skipped
    names = set(Employee.objects.filter(enterprise=cast.a).values_list("name", flat=True))
    assert {"赵六", "张小三", "李四"} <= names and "钱七" not in names


def test_a_reimport_updates_and_government_may_not_import(cast, health):
    data = xlsx([HEADER, ["张小三", id_card(271), "13904339999", "包装", "否", "是"]])
    report = RosterImporter(health.officer).run(data)
    assert (report.created, report.updated) == (0, 1)
    health.zhang.refresh_from_db()
    assert (health.zhang.phone, health.zhang.department, health.zhang.in_bubble) == (
        "13904339999",
        "包装",
        True,
    )
    assert not RosterImporter.allowed(cast.yanji) and not RosterImporter.allowed(SYSTEM)


def test_raw_rows_hold_no_plaintext_id_or_phone(cast, health):
    services.check(
        health.officer,
        cast.a,
        direction="in",
        temperature="36.4",
        visitor={
            "name": "访客甲",
            "phone": "13800001111",
            "came_from": "长春",
            "host": "张小三",
            "reason": "送货",
        },
    )
    with connection.cursor() as cursor:
        dump = ""
        for table in ("health_employee", "health_gatecheck"):
            cursor.execute(f"SELECT * FROM {table}")
            dump += repr(cursor.fetchall())
    for secret in (id_card(271), id_card(272), "13904331234", "13800001111", "4331234"):
        assert secret not in dump
    assert Employee.objects.get(id_hash=crypto.blind_index(id_card(271))) == health.zhang


def test_key_rotation_reencrypts_under_the_new_key(cast, health, settings):
    old, new = crypto.keys()[0], crypto.new_key()  # the key in use, and a fresh one
    services.save_employee(health.officer, cast.a, {"name": "吴十", "id_number": id_card(310)})
    settings.FUGONG_DATA_KEYS = [new, old]
    assert services.rotate_keys() >= 1
    settings.FUGONG_DATA_KEYS = [new]  # the old key is gone: everything still reads
    assert Employee.objects.get(name="吴十").id_number == id_card(310)


# --- declarations ---------------------------------------------------------------------------


def test_once_a_day_editable_that_day_and_bad_input(cast, health):
    declare(health, cast)
    declare(health, cast, temperature="36.8")
    assert Declaration.objects.filter(employee=health.zhang).count() == 1
    assert str(Declaration.objects.get().temperature) == "36.8"
    for value in ("50", "30", "abc"):
        with pytest.raises(ValidationError) as exc:
            declare(health, cast, temperature=value)
        assert "temperature" in exc.value.message_dict
    with pytest.raises(ValidationError, match="只能申报当天"):
        declare(health, cast, day=(TODAY + datetime.timedelta(days=1)).isoformat())
    with pytest.raises(ValidationError):
        declare(health, cast, symptoms=["headache-from-the-future"])


@pytest.mark.parametrize(
    "over, reason",
    [
        ({"temperature": "37.3"}, "体温 37.3℃"),
        ({"symptoms": ["cough"]}, "咳嗽"),
        ({"risk_area": True}, "到过风险地区"),
        ({"contact": True}, "有接触史"),
        ({"test_result": "positive"}, "检测阳性"),
    ],
)
def test_abnormal_declarations_alert_the_health_officer(cast, health, over, reason):
    d = declare(health, cast, **over)
    assert d.abnormal and reason in d.reasons
    alert = Notification.objects.get(user=health.officer, kind="health_alert")
    assert "张*三" in alert.title and "张小三" not in alert.title
    assert not Notification.objects.filter(user=health.officer_b).exists()


def test_a_normal_declaration_alerts_nobody(cast, health):
    assert not declare(health, cast, temperature="37.2").abnormal
    assert not Notification.objects.filter(kind="health_alert").exists()


# --- the gate -------------------------------------------------------------------------------


def gate(h, cast, **kw):
    kw.setdefault("direction", "in")
    kw.setdefault("temperature", "36.5")
    return services.check(h.officer, cast.a, **kw)


def test_gate_refusals_are_recorded(cast, health):
    r = gate(health, cast, employee=health.zhang)
    assert not r.admitted and "今日未做健康申报" in r.refusal
    declare(health, cast)
    assert gate(health, cast, employee=health.zhang).admitted
    r = gate(health, cast, employee=health.zhang, temperature="37.3")
    assert not r.admitted and "37.3" in r.refusal
    r = gate(health, cast, employee=health.zhang, mask=False)
    assert not r.admitted and "口罩" in r.refusal
    declare(health, cast, symptoms=["fever"])
    r = gate(health, cast, employee=health.zhang)
    assert not r.admitted and "申报异常" in r.refusal
    assert GateCheck.objects.filter(admitted=False).count() == 4
    for bad in ("50", "30"):
        with pytest.raises(ValidationError):
            gate(health, cast, employee=health.zhang, temperature=bad)
    with pytest.raises(ValidationError, match="体温"):
        gate(health, cast, employee=health.zhang, temperature=None)


def test_a_feverish_visitor_is_refused_and_a_visitor_needs_every_field(cast, health):
    visitor = {
        "name": "访客甲",
        "phone": "13800001111",
        "came_from": "长春",
        "host": "张小三",
        "reason": "送货",
    }
    r = gate(health, cast, visitor=visitor, temperature="38.2")
    assert not r.admitted and r.is_visitor and r.phone == "13800001111"
    assert gate(health, cast, visitor=visitor).admitted
    with pytest.raises(ValidationError) as exc:
        gate(health, cast, visitor={**visitor, "phone": "110", "reason": ""})
    assert {"phone", "reason"} <= set(exc.value.message_dict)


def test_a_bubble_employee_who_leaves_stays_out_until_readmitted(cast, health):
    declare(health, cast, employee=health.li)
    assert gate(health, cast, employee=health.li).admitted
    gate(health, cast, employee=health.li, direction="out", temperature=None)
    health.li.refresh_from_db()
    assert health.li.left_bubble_at is not None
    r = gate(health, cast, employee=health.li)
    assert not r.admitted and "闭环人员出厂后不得返岗" in r.refusal
    contact = enterprise_user("qiye_a2", cast.a)
    with pytest.raises(PermissionError):
        services.readmit(contact, health.li, "已检测阴性")
    with pytest.raises(ValidationError, match="理由"):
        services.readmit(health.officer, health.li, " ")
    services.readmit(health.officer, health.li, "隔离 7 天，两次检测阴性")
    assert gate(health, cast, employee=health.li).admitted
    # a non-bubble employee may come and go
    declare(health, cast)
    gate(health, cast, employee=health.zhang, direction="out", temperature=None)
    assert gate(health, cast, employee=health.zhang).admitted


def test_the_gate_scans_todays_declaration_code(cast, health, login):
    d = declare(health, cast)
    code = services.gate_code(d)
    assert services.employee_by_gate_code(cast.a, code, TODAY) == health.zhang
    with pytest.raises(ValidationError, match="不属于本企业"):
        services.employee_by_gate_code(cast.b, code, TODAY)
    with pytest.raises(ValidationError, match="今日申报码"):
        services.employee_by_gate_code(cast.a, code, TODAY + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="篡改"):
        services.employee_by_gate_code(cast.a, code + "x", TODAY)
    c = login(health.officer)
    page = c.get(f"/health/gate/?code={code}")
    assert "今日已申报，正常" in page.content.decode()
    r = c.post(
        "/health/gate/", {"code": code, "direction": "in", "temperature": "36.4", "mask": "on"}
    )
    assert "放行" in r.content.decode() and GateCheck.objects.get().employee == health.zhang


def test_gate_devices_upload_batches_all_or_nothing(cast, health, api):
    declare(health, cast)
    device = api(health.officer)
    good = [
        {"id_number": id_card(271), "temperature": 36.5},
        {"id_number": id_card(272), "temperature": 36.6},  # 李四 has not declared
        {
            "visitor": {
                "name": "访客乙",
                "phone": "13800002222",
                "came_from": "吉林",
                "host": "张小三",
                "reason": "维修",
            },
            "temperature": 37.5,
        },
    ]
    bad = good + [{"id_number": id_card(399), "temperature": 36.5}, {"temperature": 55}]
    r = device("post", "/health/gate-checks", {"checks": bad})
    assert r.status_code == 422 and [e["index"] for e in r.json()["errors"]] == [3, 4]
    assert not GateCheck.objects.exists()
    r = device("post", "/health/gate-checks", {"checks": good})
    assert r.status_code == 201
    assert (r.json()["saved"], r.json()["admitted"], r.json()["refused"]) == (3, 1, 2)
    assert api(cast.yanji)("post", "/health/gate-checks", {"checks": good}).status_code == 403


# --- test rounds ----------------------------------------------------------------------------


def test_a_test_round_and_its_coverage(cast, health, login):
    with pytest.raises(PermissionError):
        services.open_round(health.officer, "全员核酸", TODAY)
    rnd = services.open_round(cast.yanji, "第一轮全员核酸", TODAY)
    parts = {p.enterprise: p for p in rnd.parts.all()}
    assert set(parts) == {cast.a, cast.a2}  # 延吉's enterprises only
    assert parts[cast.a].staff == 2
    services.record_sampling(health.officer, parts[cast.a], employee_ids=[health.zhang.pk])
    with pytest.raises(ValidationError, match="不能超过"):
        services.record_sampling(cast.yanji, parts[cast.a2], sampled=3, positive=2, pending=2)
    with pytest.raises(ValidationError, match="名册"):
        services.record_sampling(health.officer, parts[cast.a], employee_ids=[health.wang_b.pk])
    with pytest.raises(PermissionError):
        services.record_sampling(health.officer_b, parts[cast.a], sampled=1)
    rows, total = services.round_coverage(cast.yanji, rnd)
    assert (total["enterprises"], total["done"], total["staff"], total["sampled"]) == (2, 1, 2, 1)
    assert total["coverage"] == 50.0
    page = login(cast.yanji).get(f"/health/rounds/{rnd.pk}/").content.decode()
    assert "2 家企业，已完成 1 家；应检 2 人，已采样 1 人（50.0%）" in page
    assert login(cast.tumen).get(f"/health/rounds/{rnd.pk}/").status_code == 404
    assert [r["enterprise"] for r in services.round_coverage(health.officer, rnd)[0]] == [cast.a]


# --- protection -----------------------------------------------------------------------------


def test_masking_for_the_contact_and_audit_for_the_health_officer(cast, health, login, api):
    contact = enterprise_user("qiye_a2", cast.a)
    page = login(contact).get("/health/roster/").content.decode()
    assert "张*三" in page and "1390****1234" not in page and "139****1234" in page
    assert id_card(271) not in page and "2224" + "*" * 10 + id_card(271)[-4:] in page
    rows = list(
        load_workbook(
            io.BytesIO(login(contact).get("/health/roster/?format=xlsx").content)
        ).active.values
    )
    assert rows[0] == tuple(HEADER) and all("*" in r[1] for r in rows[1:])
    masked = api(contact)("get", "/health/employees").json()
    assert {e["name"] for e in masked} == {"张*三", "李*"}

    before = AuditLog.objects.filter(action="view_personal", detail__unmasked=True).count()
    page = login(health.officer).get("/health/roster/").content.decode()
    assert "张小三" in page and id_card(271) in page
    login(health.officer).get("/health/roster/?format=xlsx")
    login(health.officer).get(f"/health/roster/{health.zhang.pk}/")
    declare(health, cast)
    login(health.officer).get("/health/declarations/")
    full = api(health.officer)("get", "/health/employees").json()
    assert id_card(271) in {e["id_number"] for e in full}
    after = AuditLog.objects.filter(action="view_personal", detail__unmasked=True)
    assert after.count() - before == 5
    assert set(after.values_list("username", flat=True)) == {"fangyi_a"}


def test_government_users_see_counts_never_names(cast, health, login, api):
    declare(health, cast, temperature="38.0")
    for user in (cast.yanji, cast.zhuanban, cast.township, cast.department, cast.admin):
        c = login(user)
        for url in (
            "/health/roster/",
            "/health/roster/?format=xlsx",
            f"/health/roster/{health.zhang.pk}/",
            "/health/declarations/",
            "/health/gate/",
            "/health/poster.pdf",
        ):
            assert c.get(url).status_code == 404, (user, url)
        assert api(user)("get", "/health/employees").json() == []
        summary = api(user)("get", "/health/summary").json()
        assert "张小三" not in str(summary) and "张*三" not in str(summary)
    rows = api(cast.yanji)("get", "/health/summary").json()
    assert [(r["enterprise"], r["roster"], r["declared"], r["abnormal"]) for r in rows] == [
        (cast.a.name, 2, 1, 1)
    ]
    page = login(cast.yanji).get("/health/").content.decode()
    assert cast.a.name in page and "张" not in page.split("<main", 1)[-1].split("员工健康")[-1]
    assert api(cast.tumen)("get", "/health/summary").json() == [
        {
            "enterprise_id": cast.b.pk,
            "enterprise": cast.b.name,
            "roster": 1,
            "declared": 0,
            "abnormal": 0,
            "admitted": 0,
            "refused": 0,
        }
    ]
    # another enterprise's health officer reaches nothing of this one
    page = login(health.officer_b).get("/health/roster/").content.decode()
    assert "张小三" not in page and "张*三" not in page


def test_an_investigation_grant_lets_one_official_export_names(cast, health, login):
    declare(health, cast, temperature="38.0")
    with pytest.raises(PermissionError):
        services.grant_investigation(cast.yanji, cast.yanji, "流调", TODAY, TODAY)
    with pytest.raises(ValidationError):
        services.grant_investigation(health.officer, health.officer_b, "流调", TODAY, TODAY)
    grant = services.grant_investigation(
        health.officer, cast.yanji, "确诊病例密接排查", TODAY, TODAY
    )
    assert login(cast.tumen).get(f"/health/grants/{grant.pk}/export.xlsx").status_code == 404
    r = login(cast.yanji).get(f"/health/grants/{grant.pk}/export.xlsx")
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[1][:2] == ("张小三", id_card(271))
    assert AuditLog.objects.filter(
        username="yanji", action="view_personal", detail__personal_data=f"investigation:{grant.pk}"
    ).exists()
    grant.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    grant.save()
    assert login(cast.yanji).get(f"/health/grants/{grant.pk}/export.xlsx").status_code == 404


# --- retention and partitions ---------------------------------------------------------------


def test_retention_removes_exactly_what_is_past_the_window(cast, health):
    for age in (45, 31, 30, 29, 0):
        day = TODAY - datetime.timedelta(days=age)
        employee = services.save_employee(
            health.officer, cast.a, {"name": f"员工{age}", "id_number": id_card(400 + age)}
        )
        Declaration.objects.create(
            campaign=health.campaign,
            enterprise=cast.a,
            employee=employee,
            day=day,
            temperature="36.5",
        )
        GateCheck.objects.create(
            campaign=health.campaign,
            enterprise=cast.a,
            employee=employee,
            day=day,
            at=timezone.now() - datetime.timedelta(days=age),
            direction="in",
            temperature="36.5",
        )
    removed = services.purge(TODAY)
    assert removed == {"declarations": 2, "gate_checks": 2}
    ages = sorted((TODAY - d).days for d in Declaration.objects.values_list("day", flat=True))
    assert ages == [0, 29, 30]
    assert sorted((TODAY - d).days for d in GateCheck.objects.values_list("day", flat=True)) == [
        0,
        29,
        30,
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            partitions = services._partitions(cursor, "health_declaration")
        assert min(partitions) >= TODAY - datetime.timedelta(days=30)
        assert services.ensure_partitions(TODAY, TODAY + datetime.timedelta(days=10)) == 2 * 3
    # a campaign with a shorter window keeps less
    health.campaign.sla = {"health_retention_days": 10}
    health.campaign.save()
    services.purge(TODAY)
    assert sorted((TODAY - d).days for d in Declaration.objects.values_list("day", flat=True)) == [
        0
    ]


def test_the_periodic_jobs_are_declared():
    from huey.contrib.djhuey import HUEY

    from fugong.health import tasks  # noqa: F401  (the consumer autodiscovers)

    names = {t.__name__ for t in HUEY._registry._periodic_tasks}
    assert {"purge_personal_records", "create_partitions"} <= names


def test_the_dashboard_shows_health_counts_and_the_latest_round(cast, health, campaign, login):
    declare(health, cast, temperature="38.0")
    rnd = services.open_round(cast.yanji, "第一轮全员核酸", TODAY)
    part = rnd.parts.get(enterprise=cast.a)
    services.record_sampling(health.officer, part, sampled=2)
    _rows, total = services.round_coverage(cast.yanji, rnd)
    assert [(g["region"].name, g["staff"], g["sampled"]) for g in total["regions"]] == [
        ("进学街道", 2, 2),
        ("北山街道", 0, 0),
    ]
    page = login(cast.yanji).get("/").content.decode()
    assert "2 家企业名册 2 人，今日申报 1 人，异常 1 人" not in page  # a2 has no roster
    assert "1 家企业名册 2 人，今日申报 1 人，异常 1 人" in page
    assert "1/2 家企业完成，2 名员工完成采样（100.0%）" in page
    assert "张" not in page.split('id="health-card"')[1].split("</section>")[0]
