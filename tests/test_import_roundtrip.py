"""Every export goes back in unchanged through the same importer: nothing created, nothing
changed, no error."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict
from openpyxl import load_workbook

from fugong.core.excel import EXPORTERS, IMPORTERS
from fugong.core.models import Region, Unit
from fugong.core.permissions import SYSTEM
from fugong.health.demo import id_card
from fugong.health.models import Employee
from fugong.health.services.exports import export_roster
from fugong.registry.exports import export_memberships
from fugong.registry.models import Assignment, Enterprise, ListMembership
from fugong.reporting.models import DailyReport, DailyReportVersion
from fugong.reporting.services import submit_report

from .factories import enterprise_user
from .test_reporting_views import campaign  # noqa: F401  (a campaign with extra fields)
from .xlsx import xlsx


def snapshot(model, exclude=("updated_at",)):
    return sorted(
        (tuple(sorted((k, str(v)) for k, v in model_to_dict(o).items() if k not in exclude)))
        for o in model.objects.all()
    )


def reimport(kind, user, data):
    report = IMPORTERS[kind](user).run(data)
    assert report.errors == [], report.errors
    return report


def test_it_reimports_exported_regions_and_units_unchanged(cast):
    for kind, model in (("regions", Region), ("units", Unit)):
        before = snapshot(model)
        report = reimport(kind, SYSTEM, EXPORTERS[kind](SYSTEM, {}))
        assert report.created == 0 and report.rows == model.objects.count()
        assert snapshot(model) == before


def test_it_reimports_exported_enterprises_of_every_industry_precision_unchanged(cast):
    a = cast.a
    for code, e in zip(("C", "27", "271", "2710"), Enterprise.objects.all(), strict=False):
        e.industry = code
        e.save()
    cast.key_list  # noqa: B018 - the list exists
    ListMembership.objects.create(list=cast.key_list, enterprise=a, added_by=None, reason="重点")
    before = snapshot(Enterprise)
    data = EXPORTERS["enterprises"](cast.zhuanban, {})
    report = reimport("enterprises", cast.zhuanban, data)
    assert report.created == 0 and report.rows == Enterprise.objects.count()
    assert snapshot(Enterprise) == before
    assert ListMembership.objects.current().filter(enterprise=a).count() == 1


def test_it_reimports_exported_assignments_unchanged(cast):
    Assignment.objects.get_or_create(
        enterprise=cast.a,
        defaults={
            "leader_name": "张伟",
            "leader_phone": "13904330002",
            "township": cast.units.jinxue,
        },
    )
    before = snapshot(Assignment)
    report = reimport("assignments", cast.zhuanban, EXPORTERS["assignments"](cast.zhuanban, {}))
    assert report.created == 0
    assert snapshot(Assignment) == before


def test_it_reimports_an_exported_list_unchanged(cast):
    ListMembership.objects.create(list=cast.key_list, enterprise=cast.a, reason="州级重点")
    before = snapshot(ListMembership)
    qs = ListMembership.objects.filter(list=cast.key_list).select_related("enterprise__region")
    report = reimport("lists", cast.zhuanban, export_memberships(cast.zhuanban, cast.key_list, qs))
    assert report.created == 0 and report.rows == 1
    assert snapshot(ListMembership) == before


def test_it_reimports_an_exported_roster_unchanged(cast):
    officer = enterprise_user("fangyi_rt", cast.a, role="health_officer")
    sheet = xlsx(
        ["姓名", "身份证号", "手机号", "部门", "是否住厂", "是否闭环"],
        [
            ["张三", id_card(601), "13904331201", "一车间", "是", "否"],
            ["李四", id_card(602), "", "", "否", "是"],
        ],
    )
    assert reimport("roster", officer, sheet).created == 2
    before = snapshot(Employee)
    report = reimport("roster", officer, export_roster(officer, cast.a))
    assert report.created == 0 and report.rows == 2
    assert snapshot(Employee) == before


@pytest.mark.usefixtures("campaign")
def test_it_reimports_exported_daily_reports_unchanged_and_the_export_is_scoped(
    cast, login, tmp_path
):
    day = datetime.date(2020, 2, 14)
    values = {
        cast.a: {
            "status": "partial",
            "mode": "closed_loop",
            "staff_on_duty": 80,
            "staff_total": 120,
            "output": "12.5",
            "capacity_utilisation": "85.5",
            "material_days": 7,
            "difficulties": "=SUM(A1) 原料运输受阻（不是公式）",
            "masks_needed": 500,
            "disinfectant_needed": "0.25",
            "funding_needed": "30",
            "extra": {"bubble": 60, "shift": "两班倒"},
        },
        cast.a2: {"status": "full", "staff_on_duty": 3, "staff_total": 3},
        cast.b: {"status": "not_resumed", "staff_total": 9},
    }
    for enterprise, data in values.items():
        submit_report(SYSTEM, enterprise, day, data)
    before = snapshot(DailyReport, exclude=())
    versions = DailyReportVersion.objects.count()
    data = EXPORTERS["reports"](cast.zhuanban, {"date": "2020-02-14"})
    report = reimport("reports", cast.zhuanban, data)
    assert report.rows == 3 and (report.created, report.updated) == (0, 0)
    assert snapshot(DailyReport, exclude=()) == before
    assert DailyReportVersion.objects.count() == versions  # no new version either
    stored = DailyReport.objects.get(enterprise=cast.a)
    assert (stored.output, stored.extra) == (Decimal("12.50"), {"bubble": 60.0, "shift": "两班倒"})
    # a changed cell is an update, the rest stay as they are
    rows = read_rows(data)
    row_of_a = next(row for row in rows[1:] if cast.a.uscc in row)  # rows follow the names
    row_of_a[rows[0].index("在岗人数")] = 81
    changed = reimport("reports", cast.zhuanban, xlsx(rows[0], rows[1:]))
    assert (changed.created, changed.updated) == (0, 1)
    # the page's button exports the township's own enterprises only
    c = login(cast.township)
    page = c.get("/stats/?date=2020-02-14&format=reports")
    assert page.status_code == 200
    assert [r[0] for r in read_rows(page.content)[1:]] == [cast.a.uscc]
    assert reimport("reports", cast.township, page.content).updated == 0
    # and the command line writes the same sheet
    out = tmp_path / "reports.xlsx"
    call_command("export", "reports", str(out), "--date", "2020-02-14", stdout=io.StringIO())
    assert len(read_rows(out.read_bytes())) == 4  # the header and three reports


def read_rows(data):
    ws = load_workbook(io.BytesIO(data)).active
    return [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
