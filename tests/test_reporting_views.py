"""Submitting reports (H5 form, on behalf, import, API), bad input, and the scope of every
statistics view, drill-down and export."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from fugong.core.excel import IMPORTERS
from fugong.core.models import Campaign, Notification
from fugong.core.permissions import SYSTEM
from fugong.registry.models import Assignment
from fugong.reporting.models import DailyReport

from .test_enterprise_list import read_xlsx
from .xlsx import REPORT_HEADERS, xlsx

D = datetime.date(2020, 2, 14)
TODAY = timezone.localdate()


@pytest.fixture
def campaign(cast):
    return Campaign.objects.create(
        name="测试应急",
        region=cast.regions.yanbian,
        starts_on=datetime.date(2020, 1, 28),
        report_fields=[
            {"key": "bubble", "label": "泡泡内人数", "type": "number"},
            {"key": "shift", "label": "班次", "type": "choice", "choices": ["白班", "两班倒"]},
        ],
    )


def form_data(**kw):
    data = {
        "date": TODAY.isoformat(),
        "status": "full",
        "mode": "normal",
        "staff_on_duty": 80,
        "staff_total": 100,
        "difficulties": "原料运输受阻",
    }
    data.update(kw)
    return data


def test_the_enterprise_contact_submits_and_resubmits(cast, campaign, login):
    c = login(cast.contact_a)
    page = c.get("/report/")
    assert page.status_code == 200 and cast.a.name in page.content.decode()
    assert page.context["form"].initial["staff_total"] == cast.a.total_staff
    r = c.post("/report/", form_data(extra__bubble="60", extra__shift="两班倒"))
    assert r.status_code == 302
    report = DailyReport.objects.get(enterprise=cast.a)
    assert (report.channel, report.submitted_by, report.extra) == (
        "h5",
        cast.contact_a,
        {"bubble": 60.0, "shift": "两班倒"},
    )
    c.post("/report/", form_data(staff_on_duty=90))
    report.refresh_from_db()
    assert report.version == 2 and report.staff_on_duty == 90
    assert c.get("/report/").context["form"].initial["staff_on_duty"] == 90  # pre-filled


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"staff_on_duty": 120}, "staff_on_duty"),
        ({"date": (TODAY + datetime.timedelta(days=1)).isoformat()}, "date"),
        ({"date": "2020-01-01"}, "date"),
        ({"extra__shift": "三班倒"}, "extra__shift"),
        ({"status": "maybe"}, "status"),
    ],
)
def test_bad_reports_name_the_field_and_save_nothing(cast, campaign, login, kw, field):
    r = login(cast.contact_a).post("/report/", form_data(**kw))
    assert r.status_code == 200 and field in r.context["form"].errors
    assert not DailyReport.objects.exists()


def test_a_commissioner_reports_for_an_assigned_enterprise_only(cast, campaign, login):
    c = login(cast.commissioner)
    assert c.post(f"/enterprises/{cast.a2.pk}/report/", form_data()).status_code == 302
    assert DailyReport.objects.get().channel == "commissioner"
    assert c.get(f"/enterprises/{cast.a.pk}/report/").status_code == 404
    assert login(cast.department).get(f"/enterprises/{cast.a.pk}/report/").status_code == 403
    assert login(cast.contact_b).get(f"/enterprises/{cast.a.pk}/report/").status_code == 404


def test_report_import_reports_every_bad_row_and_saves_nothing(cast, campaign):
    from .factories import uscc

    rows = [
        [cast.a.uscc, "2020-02-14", "复工", "正常", 10, 100, 1, 50, 3, ""],
        [cast.a.uscc, "2020-02-14", "复工", "", 10, 100, "", "", "", ""],  # duplicate row
        [cast.a2.uscc, "2020-02-14", "复工", "", 200, 100, "", "", "", ""],  # on duty > total
        [uscc(), "2020-02-14", "复工", "", 1, 1, "", "", "", ""],  # unknown enterprise
        [cast.b.uscc, "2020-01-02", "复工", "", 1, 1, "", "", "", ""],  # before the campaign
        [
            cast.b.uscc,
            TODAY.replace(year=TODAY.year + 1).isoformat(),
            "复工",
            "",
            1,
            1,
            "",
            "",
            "",
            "",
        ],  # in the future
        [cast.b.uscc, "2020-02-15", "营业", "", 1, 1, "", "", "", ""],  # bad status
        [cast.b.uscc, "2020-02-16", "复工", "", 1, 1, "", "150", "", ""],  # capacity > 100
    ]
    report = IMPORTERS["reports"](SYSTEM).run(xlsx(REPORT_HEADERS, rows))
    got = {(e.row, e.column) for e in report.errors}
    assert got == {
        (3, "统一社会信用代码"),
        (4, "在岗人数"),
        (5, "统一社会信用代码"),
        (6, "日期"),
        (7, "日期"),
        (8, "复工状态"),
        (9, "产能利用率(%)"),
    }
    assert not DailyReport.objects.exists()


def test_report_import_takes_the_campaigns_extra_fields_by_label(cast, campaign):
    headers = [*REPORT_HEADERS, "泡泡内人数", "班次", "备注"]
    good = [cast.a.uscc, "2020-02-14", "复工", "", 10, 100, "", "", "", "", 80, "两班倒", "x"]
    bad = [cast.a2.uscc, "2020-02-14", "复工", "", 10, 100, "", "", "", "", "很多", "三班倒", ""]
    report = IMPORTERS["reports"](SYSTEM).run(xlsx(headers, [good, bad]))
    assert {(e.row, e.column) for e in report.errors} == {(3, "泡泡内人数"), (3, "班次")}
    report = IMPORTERS["reports"](SYSTEM).run(xlsx(headers, [good]))
    assert report.written
    assert DailyReport.objects.get().extra == {"bubble": 80.0, "shift": "两班倒"}


def test_report_import_is_scoped(cast, campaign):
    rows = [[cast.b.uscc, "2020-02-14", "复工", "", 1, 1, "", "", "", ""]]
    report = IMPORTERS["reports"](cast.township).run(xlsx(REPORT_HEADERS, rows))
    assert report.errors and "管辖范围" in report.errors[0].reason
    assert not IMPORTERS["reports"].allowed(cast.contact_a)


def one_report(cast):  # noqa: N802
    return {
        "uscc": cast.a.uscc,
        "date": "2020-02-14",
        "status": "full",
        "staff_on_duty": 10,
        "staff_total": 20,
    }


def test_api_accepts_single_reports_and_all_or_nothing_batches(api, cast, campaign):
    call = api(cast.yanji)
    r = call("post", "/reports", one_report(cast))
    assert r.status_code == 201 and r.json()["channel"] == "api"
    r = call(
        "post",
        "/reports/batch",
        {
            "reports": [
                {"uscc": cast.a2.uscc, "date": "2020-02-14", "status": "partial"},
                {
                    "uscc": cast.a.uscc,
                    "date": "2020-02-15",
                    "status": "full",
                    "staff_on_duty": 30,
                    "staff_total": 20,
                },
                {"uscc": cast.b.uscc, "date": "2020-02-15", "status": "full"},
                {
                    "uscc": cast.a.uscc,
                    "date": "2020-02-16",
                    "status": "full",
                    "extra": {"unknown": 1},
                },
            ]
        },
    )
    assert r.status_code == 422
    errors = {e["index"]: e["fields"] for e in r.json()["errors"]}
    assert set(errors) == {1, 2, 3}
    assert "staff_on_duty" in errors[1] and "uscc" in errors[2] and "extra.unknown" in errors[3]
    assert DailyReport.objects.count() == 1  # the good first item was not kept either
    r = call(
        "post",
        "/reports/batch",
        {"reports": [{"uscc": cast.a2.uscc, "date": "2020-02-14", "status": "partial"}]},
    )
    assert r.status_code == 201 and DailyReport.objects.count() == 2


def test_stats_api_json_and_scope(api, cast, campaign):
    call = api(cast.yanji)
    call("post", "/reports", one_report(cast))
    body = call("get", "/stats/resumption?region=222400&date=2020-02-14&by=region").json()
    for key in (
        "enterprises",
        "resumed",
        "resumed_full",
        "resumed_partial",
        "not_resumed",
        "never_reported",
        "rate",
        "staff_total",
        "staff_on_duty",
        "staff_rate",
        "reported_today",
        "completeness",
        "breakdown",
    ):
        assert key in body
    assert (body["enterprises"], body["resumed"], body["rate"]) == (2, 1, 50.0)
    tumen = api(cast.tumen)
    other = tumen("get", "/stats/resumption?region=222400&date=2020-02-14").json()
    assert (other["enterprises"], other["resumed"]) == (1, 0)
    drill = tumen(
        "get", "/stats/resumption/enterprises?region=222400&date=2020-02-14&figure=enterprises"
    ).json()
    assert [e["uscc"] for e in drill["items"]] == [cast.b.uscc]
    series = call(
        "get", "/stats/resumption/series?region=222401&date=2020-02-15&start=2020-02-13"
    ).json()
    assert [d["resumed"] for d in series] == [0, 1, 1]
    bad = call("get", "/stats/resumption?region=999999&date=2020-13-01&scale=x")
    assert bad.status_code == 422 and {"region", "date", "scale"} <= set(bad.json()["fields"])
    assert tumen("get", f"/reports?enterprise_id={cast.a.pk}").json()["count"] == 0


def test_stats_pages_drill_downs_and_exports_count_only_the_scope(cast, campaign, login):
    from fugong.reporting.services import submit_report

    for e in (cast.a, cast.a2, cast.b):
        submit_report(SYSTEM, e, D, {"status": "full", "staff_on_duty": 1, "staff_total": 2})
    c = login(cast.township)  # 进学街道: only enterprise a
    page = c.get("/stats/?date=2020-02-14&by=region")
    assert (
        page.context["figures"]["enterprises"] == 1
        and page.context["figures"]["region"] == "222401001"
    )
    rows = read_xlsx(c.get("/stats/?date=2020-02-14&format=xlsx").content)
    assert rows[1][1] == 1
    drill = c.get("/stats/enterprises/?region=222400&date=2020-02-14&figure=resumed")
    assert [e for e, _s in drill.context["rows"]] == [cast.a]
    rows = read_xlsx(
        c.get(
            "/stats/enterprises/?region=222400&date=2020-02-14&figure=resumed&format=xlsx"
        ).content
    )
    assert [r[0] for r in rows[1:]] == [cast.a.uscc]
    dash = c.get("/dashboard/?date=2020-02-14")
    assert dash.context["figures"]["enterprises"] == 1
    assert login(cast.contact_a).get("/stats/").status_code == 403
    assert login(cast.checkpoint).get("/completeness/").status_code == 403


def test_a_commissioners_dashboard_counts_the_assigned_enterprises(cast, campaign, login):
    from fugong.reporting.services import submit_report

    submit_report(SYSTEM, cast.a2, D, {"status": "full"})
    submit_report(SYSTEM, cast.a, D, {"status": "full"})
    r = login(cast.commissioner).get("/dashboard/?date=2020-02-14")  # "/" is its enterprises
    assert (r.context["figures"]["enterprises"], r.context["figures"]["resumed"]) == (1, 1)


def test_completeness_lists_who_is_missing_and_reminds_once(cast, campaign, login):
    from fugong.reporting.services import submit_report

    submit_report(SYSTEM, cast.a2, TODAY, {"status": "full"})
    c = login(cast.yanji)
    page = c.get("/completeness/")
    assert [e.name for e in page.context["missing"]] == [cast.a.name]
    assert cast.a.contact_phone in page.content.decode()
    c.post("/completeness/remind/")
    c.post("/completeness/remind/")
    notes = Notification.objects.filter(kind="report_reminder")
    assert [n.user for n in notes] == [cast.contact_a]
    assert "请于今天" in login(cast.contact_a).get("/report/").content.decode()


def test_stats_command_prints_json(cast, campaign, capsys):
    from fugong.reporting.services import submit_report

    submit_report(SYSTEM, cast.a, D, {"status": "partial"})
    call_command("stats", "resumption", "--region", "222401", "--date", "2020-02-14", "--json")
    body = json.loads(capsys.readouterr().out)
    assert (body["resumed_partial"], body["enterprises"], body["rate"]) == (1, 2, 50.0)
    call_command(
        "stats", "resumption", "--region", "222400", "--date", "2020-02-14", "--by", "region"
    )
    assert "延吉市: 复工 1/2 = 50.0%" in capsys.readouterr().out


def test_assignment_is_shown_on_missing_list(cast, campaign, login):
    Assignment.objects.create(enterprise=cast.a, township=cast.units.jinxue)
    body = login(cast.yanji).get("/completeness/").content.decode()
    assert "进学街道办事处" in body


def test_the_daily_brief_in_pdf_and_xlsx_counts_the_scope(cast, campaign, login):
    import io

    from pypdf import PdfReader

    from fugong.reporting.services import submit_report

    submit_report(
        SYSTEM,
        cast.a,
        D,
        {"status": "full", "staff_on_duty": 260, "staff_total": 303, "masks_needed": 20000},
    )
    submit_report(SYSTEM, cast.b, D, {"status": "full"})
    r = login(cast.yanji).get("/stats/brief.pdf?date=2020-02-14")
    assert r["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(r.content))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert "延吉市复工复产日报" in text and "纳入统计企业 2 家，已复工 1 家" in text
    assert "在岗 260 人" in text and "口罩 20000 只" in text and "图们" not in text
    rows = read_xlsx(login(cast.yanji).get("/stats/brief.xlsx?date=2020-02-14").content)
    assert "纳入统计企业 2 家" in rows[1][0]
    assert login(cast.contact_a).get("/stats/brief.pdf").status_code == 403
