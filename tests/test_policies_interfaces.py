"""Relief policies through their interfaces: the sheet import, `fugong policies match`, the
API, the pages and their exports, each with its data scope."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from fugong.core.models import Notification
from fugong.core.permissions import SYSTEM
from fugong.core.uploads import attachments_of
from fugong.policies import applications, demo, services
from fugong.policies.imports import PolicyImporter
from fugong.policies.models import Policy, PolicyApplication
from fugong.registry import demo as registry_demo
from fugong.registry.models import ListMembership

from .test_policies import make_policy
from .xlsx import xlsx

HEADERS = [
    "政策名称",
    "发布单位",
    "行政区划代码",
    "有效期起",
    "有效期止",
    "扶持方式",
    "行业",
    "规模",
    "名单",
    "最少职工数",
    "最多职工数",
    "须已复工",
    "说明",
]
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def row(title="小微企业房租减免", **kw):
    values = {
        "issuer": "延吉市人民政府",
        "region": "222401",
        "valid_from": "2020-02-10",
        "valid_to": "2030-12-31",
        "support": "费用减免",
        "industry": "C；H61",
        "scale": "规下",
        "lists": "",
        "staff_min": "",
        "staff_max": "300",
        "resumed": "否",
        "text": "减免三个月房租",
    }
    values.update(kw)
    return [title, *values.values()]


def rows_of(data):
    ws = load_workbook(io.BytesIO(data)).active
    return [[c.value for c in r] for r in ws.iter_rows()]


# --- import -------------------------------------------------------------------------------


def test_it_imports_policies_with_their_rules_and_updates_by_title(cast):
    report = PolicyImporter(cast.yanji).run(
        xlsx(
            HEADERS,
            [
                row(),
                row(
                    "重点企业贴息",
                    lists="重点企业",
                    scale="不限",
                    industry="",
                    support="贷款贴息",
                    resumed="是",
                    staff_max="",
                ),
            ],
        )
    )
    assert report.written and (report.created, report.updated) == (2, 0), report.errors
    rent = Policy.objects.get(title="小微企业房租减免")
    assert (
        rent.region == cast.regions.yanji
        and rent.state == "draft"
        and rent.unit == cast.units.cc_yanji
    )
    kinds = {r.kind: r.params for r in rent.rules.all()}
    assert kinds == {
        "industry": {"sections": ["C"], "divisions": ["61"]},
        "scale": {"scale": "below"},
        "staff": {"min": None, "max": 300},
    }
    loan = Policy.objects.get(title="重点企业贴息")
    assert {r.kind for r in loan.rules.all()} == {"lists", "resumed"}
    assert services.qualifying(rent, SYSTEM).get() == cast.a2
    again = PolicyImporter(cast.yanji).run(xlsx(HEADERS, [row(scale="规上", staff_max="")]))
    assert (again.created, again.updated) == (0, 1)
    rent.refresh_from_db()
    assert {r.kind: r.params for r in rent.rules.all()}["scale"] == {"scale": "above"}
    assert "staff" not in {r.kind for r in rent.rules.all()}


def test_it_reports_every_bad_row_and_writes_nothing(cast):
    sheet = xlsx(
        HEADERS,
        [
            row("好的一行"),
            row("坏区划", region="999999"),
            row("坏行业", industry="C；Z9"),
            row("坏规模", scale="中型"),
            row("坏名单", lists="不存在的名单"),
            row("坏人数", staff_min="500", staff_max="100"),
            row("坏日期", valid_from="明年"),
            row("坏复工", resumed="也许"),
            row("图们的", region="222402"),
            row("好的一行"),
        ],
    )
    report = PolicyImporter(cast.yanji).run(sheet)
    assert not report.written and not Policy.objects.exists()
    by_row = {(e.row, e.column) for e in report.errors}
    assert by_row == {
        (3, "行政区划代码"),
        (4, "行业"),
        (5, "规模"),
        (6, "名单"),
        (7, "最多职工数"),
        (8, "有效期起"),
        (9, "须已复工"),
        (10, "行政区划代码"),
        (11, "政策名称"),
    }
    skipped = PolicyImporter(cast.yanji).run(sheet, skip_bad=True)
    assert skipped.written and skipped.created == 1


def test_it_imports_by_command_and_refuses_users_who_may_not(cast, tmp_path):
    path = tmp_path / "policies.xlsx"
    path.write_bytes(xlsx(HEADERS, [row()]))
    call_command("import", "policies", str(path))
    assert Policy.objects.filter(title="小微企业房租减免").exists()
    assert not PolicyImporter.allowed(cast.township)
    assert not PolicyImporter.allowed(cast.contact_a)


# --- the command --------------------------------------------------------------------------


def test_it_prints_the_matches_as_json_and_text(cast, capsys):
    ListMembership.objects.create(list=cast.key_list, enterprise=cast.a)
    ListMembership.objects.create(list=cast.key_list, enterprise=cast.b)
    policy = make_policy(
        cast, [("lists", {"ids": [cast.key_list.pk]})], title="重点企业政策", publish=True
    )
    call_command("policies", "match", str(policy.pk), "--json")
    out = json.loads(capsys.readouterr().out)
    assert sorted(m["uscc"] for m in out) == sorted([cast.a.uscc, cast.b.uscc])
    assert all({"uscc", "name", "rules"} <= set(m) for m in out)
    assert any("重点企业" in r["text"] for r in out[0]["rules"])
    call_command("policies", "match", "重点企业政策", "--json", "--user", "yanji")
    assert [m["uscc"] for m in json.loads(capsys.readouterr().out)] == [cast.a.uscc]
    call_command("policies", "match", "重点企业政策", "--near")
    assert cast.a2.name in capsys.readouterr().out
    with pytest.raises(CommandError, match="no such policy"):
        call_command("policies", "match", "没有这个政策")


def test_it_publishes_by_command(cast, capsys):
    policy = make_policy(cast)
    call_command("policies", "publish", str(policy.pk))
    assert "3 enterprises notified" in capsys.readouterr().out
    policy.refresh_from_db()
    assert policy.state == "published"


# --- the API ------------------------------------------------------------------------------


def test_it_serves_matches_by_api_within_scope(cast, api):
    policy = make_policy(cast, [("scale", {"scale": "above"})], publish=True)
    body = api(cast.zhuanban)("get", f"/policies/{policy.pk}/matches").json()
    assert sorted(m["uscc"] for m in body) == sorted([cast.a.uscc, cast.b.uscc])
    assert body[0]["rules"][1]["kind"] == "scale"
    tumen = api(cast.tumen)("get", f"/policies/{policy.pk}/matches").json()
    assert [m["uscc"] for m in tumen] == [cast.b.uscc]
    near = api(cast.zhuanban)("get", f"/policies/{policy.pk}/matches?near=true").json()
    assert [m["uscc"] for m in near] == [cast.a2.uscc]
    assert api(cast.contact_a)("get", f"/policies/{policy.pk}/matches").status_code == 403
    local = make_policy(cast, title="延吉政策", region=cast.regions.yanji)
    assert api(cast.tumen)("get", f"/policies/{local.pk}/matches").status_code == 404
    assert api(cast.tumen)("get", f"/policies/{local.pk}").status_code == 404


def test_it_applies_reviews_and_pays_by_api(cast, api):
    policy = make_policy(cast, publish=True, title="专项资金")
    mine = api(cast.contact_a)("get", "/policies/mine").json()
    assert [p["title"] for p in mine] == ["专项资金"]
    created = api(cast.contact_a)(
        "post", f"/policies/{policy.pk}/applications", {"amount_requested": "88", "note": "扩产"}
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert api(cast.contact_b)("get", f"/policy-applications/{pk}").status_code == 404
    assert api(cast.contact_b)("get", "/policy-applications").json() == []
    assert (
        api(cast.tumen)("post", f"/policy-applications/{pk}/approve", {"version": 1}).status_code
        == 404
    )
    bad = api(cast.yanji)("post", f"/policy-applications/{pk}/approve", {"version": 1})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid"
    ok = api(cast.yanji)(
        "post", f"/policy-applications/{pk}/approve", {"version": 1, "amount": "80"}
    )
    assert ok.json()["state"] == "approved"
    stale = api(cast.zhuanban)(
        "post", f"/policy-applications/{pk}/grant", {"version": 1, "amount": "1"}
    )
    assert stale.status_code == 409
    paid = api(cast.yanji)(
        "post", f"/policy-applications/{pk}/grant", {"version": 2, "amount": "80"}
    )
    assert paid.json()["state"] == "granted" and paid.json()["granted"] == "80.00"
    totals = api(cast.zhuanban)("get", "/policies/totals?by=region").json()
    assert totals == [
        {
            "group": "进学街道",
            "enterprises": 1,
            "applications": 1,
            "requested": "88.00",
            "approved": "80.00",
            "granted": "80.00",
        }
    ]
    assert api(cast.tumen)("get", "/policies/totals").json() == []
    assert api(cast.yanji)("get", "/policies/totals?by=nothing").status_code == 422


# --- pages --------------------------------------------------------------------------------


def test_it_builds_a_policy_in_the_form_and_publishes_it(cast, login):
    client = login(cast.yanji)
    response = client.post(
        "/policies/new/",
        {
            "title": "延吉市稳岗补贴",
            "issuer": "延吉市人社局",
            "region": cast.regions.yanji.pk,
            "support": "subsidy",
            "text": "按在岗职工人数给予补贴",
            "rule-industries": "C",
            "rule-scale": "above",
            "rule-staff_min": "50",
            "files": SimpleUploadedFile("原文.pdf", PDF, "application/pdf"),
        },
    )
    policy = Policy.objects.get(title="延吉市稳岗补贴")
    assert response.status_code == 302, response.context["form"].errors
    assert {r.kind for r in policy.rules.all()} == {"industry", "scale", "staff"}
    page = client.get(f"/policies/{policy.pk}/").content.decode()
    assert "职工不少于 50 人" in page and "原文.pdf" in page
    client.post(f"/policies/{policy.pk}/", {"action": "publish", "version": policy.version})
    policy.refresh_from_db()
    assert policy.state == "published"
    assert Notification.objects.filter(user=cast.contact_a, kind="policy").exists()
    edit = client.get(f"/policies/{policy.pk}/edit/").content.decode()
    assert 'value="C"' in edit


def test_it_shows_the_form_errors(cast, login):
    response = login(cast.yanji).post(
        "/policies/new/",
        {
            "title": "坏政策",
            "region": cast.regions.yanji.pk,
            "support": "subsidy",
            "rule-industries": "Q99",
            "rule-staff_min": "9",
            "rule-staff_max": "3",
        },
    )
    assert response.status_code == 200 and not Policy.objects.exists()
    errors = response.context["rules_form"].errors
    assert "Q99" in errors["industries"][0] and errors["staff_max"]
    tumen_region = login(cast.yanji).post(
        "/policies/new/",
        {"title": "越权", "region": cast.regions.tumen.pk, "support": "subsidy"},
    )
    assert "region" in tumen_region.context["form"].errors


def test_it_shows_matches_with_why_and_exports_them_in_scope(cast, login):
    policy = make_policy(cast, [("scale", {"scale": "above"})], publish=True)
    page = login(cast.zhuanban).get(f"/policies/{policy.pk}/matches/").content.decode()
    assert cast.a.name in page and cast.b.name in page and "规上企业" in page
    assert cast.a2.name in page  # a near-miss, with what is missing
    export = rows_of(login(cast.tumen).get(f"/policies/{policy.pk}/matches/?format=xlsx").content)
    assert [r[1] for r in export[1:]] == [cast.b.name]
    assert login(cast.contact_a).get(f"/policies/{policy.pk}/matches/").status_code == 403
    local = make_policy(cast, title="延吉政策", region=cast.regions.yanji)
    assert login(cast.tumen).get(f"/policies/{local.pk}/").status_code == 404
    assert login(cast.tumen).get(f"/policies/{local.pk}/matches/?format=xlsx").status_code == 404
    assert login(cast.tumen).get(f"/policies/{local.pk}/edit/").status_code == 404


def test_it_lets_an_enterprise_find_apply_and_follow(cast, login):
    policy = make_policy(cast, [("scale", {"scale": "above"})], publish=True, title="规上奖励")
    make_policy(cast, [("scale", {"scale": "below"})], publish=True, title="规下奖励")
    client = login(cast.contact_a)
    mine = client.get("/policies/").content.decode()
    assert "您可能符合 1 项政策" in mine and "规上奖励" in mine
    response = client.post(
        f"/policies/{policy.pk}/apply/",
        {"amount_requested": "50", "note": "申请", "files": SimpleUploadedFile("a.pdf", PDF)},
    )
    app = PolicyApplication.objects.get()
    assert response.status_code == 302 and app.enterprise == cast.a
    assert "a.pdf" in client.get(f"/policy-applications/{app.pk}/").content.decode()
    [attachment] = attachments_of(app)
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 200
    assert login(cast.contact_b).get(f"/attachments/{attachment.pk}/").status_code == 404
    assert login(cast.contact_b).get(f"/policy-applications/{app.pk}/").status_code == 404
    assert login(cast.tumen).get(f"/policy-applications/{app.pk}/").status_code == 404
    reviewer = login(cast.yanji)
    reviewer.post(
        f"/policy-applications/{app.pk}/", {"action": "approve", "version": 1, "amount": "45"}
    )
    reviewer.post(
        f"/policy-applications/{app.pk}/",
        {"action": "grant", "version": 2, "amount": "45", "granted_on": "2020-03-01"},
    )
    app.refresh_from_db()
    assert app.state == "granted" and applications.granted_total(app) == 45
    queue = rows_of(reviewer.get("/policy-applications/?format=xlsx").content)
    assert queue[1][2] == cast.a.name and queue[1][-1] == 45
    outside = rows_of(login(cast.tumen).get("/policy-applications/?format=xlsx").content)
    assert outside[1:] == []
    assert (
        login(cast.contact_b).get("/policy-applications/").context["page"].object_list.count() == 0
    )


def test_it_keeps_the_library_to_the_scope(cast, login):
    make_policy(cast, title="延吉政策", region=cast.regions.yanji)
    make_policy(cast, title="全州政策", publish=True)
    tumen = rows_of(login(cast.tumen).get("/policies/?format=xlsx").content)
    assert [r[1] for r in tumen[1:]] == ["全州政策"]
    yanji = login(cast.yanji).get("/policies/").content.decode()
    assert "延吉政策" in yanji and "全州政策" in yanji


@pytest.mark.django_db
def test_it_builds_the_demo_policies_with_the_special_fund_figures():
    registry_demo.build(300)
    assert demo.build() == 6
    assert demo.build() == 0  # idempotent
    fund = Policy.objects.get(title=demo.SPECIAL_FUND)
    [row] = applications.totals(SYSTEM, "policy", fund)
    assert (row["enterprises"], row["requested"]) == (21, 2078)
    assert row["granted"] == 118 + 3 * 98
    small = Policy.objects.get(title=demo.SMALL_FIRMS)
    assert small.state == "published" and services.qualifying(small, SYSTEM).exists()
    assert Notification.objects.filter(kind="policy").exists()
    output = Policy.objects.get(title="规上工业企业稳产增产奖励")
    assert services.qualifying(output, SYSTEM).exists()
    assert all(e.annual_output >= 2000 for e in services.qualifying(output, SYSTEM))


def test_it_shows_the_policies_on_the_enterprise_page_in_scope(cast, login):
    policy = make_policy(cast, [("scale", {"scale": "above"})], publish=True, title="规上奖励")
    applied = applications.apply(cast.contact_a, policy, cast.a, {"amount_requested": 5})
    page = login(cast.yanji).get(f"/enterprises/{cast.a.pk}/").content.decode()
    assert "可能符合 1 项政策" in page and f"#{applied.pk} 规上奖励" in page
    assert login(cast.tumen).get(f"/enterprises/{cast.a.pk}/").status_code == 404
