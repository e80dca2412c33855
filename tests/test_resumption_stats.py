"""The seed figures, reproduced from data entered through the report import, and the
semantics that must not drift (carry-forward, partial, never reported, changes back)."""

import datetime
import itertools

import pytest

from fugong.core.excel import IMPORTERS
from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.registry.models import ListMembership
from fugong.reporting import stats
from fugong.reporting.models import DailyReport, DayStatus
from fugong.reporting.services import rebuild_status, roll_forward, submit_report
from fugong.reporting.shares import weighted_shares
from fugong.reporting.tasks import settle_list_days

from .clock import travel
from .factories import EnterpriseFactory, ListFactory, RegionFactory, UserFactory
from .xlsx import REPORT_HEADERS, xlsx

D = datetime.date(2020, 2, 14)


def report_row(e, status, day=D, on_duty=10, total=None):
    return [
        e.uscc,
        day.isoformat(),
        status,
        "正常生产",
        on_duty,
        total or e.total_staff,
        1.5,
        80,
        7,
        "",
    ]


def import_reports(rows, user=SYSTEM):
    report = IMPORTERS["reports"](user).run(xlsx(REPORT_HEADERS, rows))
    assert report.errors == [], report.errors[:5]
    return report


@pytest.fixture
def seeds(db):
    jilin = RegionFactory(code="220000", name="吉林省", level="province")
    yanbian = RegionFactory(code="222400", name="延边朝鲜族自治州", level="city", parent=jilin)
    yanji = RegionFactory(code="222401", name="延吉市", level="county", parent=yanbian)
    tumen = RegionFactory(code="222402", name="图们市", level="county", parent=yanbian)
    changchun = RegionFactory(code="220100", name="长春市", level="city", parent=jilin)
    erdao = RegionFactory(code="220105", name="二道区", level="county", parent=changchun)
    gansu = RegionFactory(code="620000", name="甘肃省", level="province")
    lanzhou = RegionFactory(code="620100", name="兰州市", level="city", parent=gansu)
    gaoxin = RegionFactory(code="620100400", name="兰州高新区", level="park", parent=lanzhou)
    Campaign.objects.create(
        name="2020年吉林省复工复产", region=jilin, starts_on=datetime.date(2020, 1, 28)
    )
    Campaign.objects.create(
        name="2020年甘肃省复工复产", region=gansu, starts_on=datetime.date(2020, 1, 28)
    )
    key = ListFactory(name="重点企业", kind="key")
    trade = ListFactory(name="重点商贸企业", kind="custom")
    yb = [
        EnterpriseFactory(region=yanji if i % 3 else tumen, industry="13", total_staff=50)
        for i in range(274)
    ]
    ListMembership.objects.bulk_create(
        [
            ListMembership(list=key, enterprise=e, added_on=datetime.date(2020, 2, 1))
            for e in yb[:50]
        ]
    )
    industrial = [EnterpriseFactory(region=erdao, industry="34") for _ in range(46)]
    shops = [EnterpriseFactory(region=erdao, industry="52", scale="below") for _ in range(93)]
    ListMembership.objects.bulk_create(
        [
            ListMembership(list=trade, enterprise=e, added_on=datetime.date(2020, 2, 1))
            for e in shops
        ]
    )
    longshen = EnterpriseFactory(
        name="甘肃陇神戎发药业股份有限公司", region=gaoxin, total_staff=303
    )
    return type(
        "Seeds",
        (),
        dict(
            yanbian=yanbian,
            yanji=yanji,
            erdao=erdao,
            lanzhou=lanzhou,
            yb=yb,
            industrial=industrial,
            shops=shops,
            longshen=longshen,
        ),
    )


def query(code, **params):
    return stats.StatsQuery.parse(SYSTEM, {"region": code, "date": D.isoformat(), **params})


def test_yanbian_141_of_274_and_33_of_50_key_enterprises(seeds):
    # 33 key enterprises resumed (25 fully, 8 partly), 108 others; 100 report not resumed and
    # 33 never report: 133 not resumed, as in the report.
    rows = [report_row(e, "复工" if i % 4 else "部分复工") for i, e in enumerate(seeds.yb[:33])]
    rows += [report_row(e, "复工") for e in seeds.yb[50:158]]
    rows += [report_row(e, "未复工", on_duty=0) for e in seeds.yb[33:50] + seeds.yb[158:241]]
    import_reports(rows)
    all_ = stats.resumption(SYSTEM, query("222400"))
    assert (all_["enterprises"], all_["resumed"], all_["rate"]) == (274, 141, 51.5)
    assert (all_["not_resumed"], all_["never_reported"]) == (133, 33)
    assert all_["resumed_partial"] == 9 and all_["resumed_full"] == 132
    key = stats.resumption(SYSTEM, query("222400", list="重点企业"))
    assert (key["enterprises"], key["resumed"], key["rate"]) == (50, 33, 66.0)
    assert key["never_reported"] == 0 and key["completeness"] == 100.0


def test_erdao_28_of_46_industrial_and_41_of_93_trade(seeds):
    import_reports(
        [report_row(e, "复工") for e in seeds.industrial[:28]]
        + [report_row(e, "部分复工") for e in seeds.shops[:41]]
        + [report_row(e, "未复工", on_duty=0) for e in seeds.shops[41:60]]
    )
    ind = stats.resumption(SYSTEM, query("220105", industry="C", scale="above"))
    assert (ind["enterprises"], ind["resumed"], ind["rate"]) == (46, 28, 60.9)
    trade = stats.resumption(SYSTEM, query("220105", list="重点商贸企业"))
    assert (trade["enterprises"], trade["resumed"], trade["rate"]) == (93, 41, 44.1)
    assert trade["never_reported"] == 93 - 60


def test_longshen_260_of_303_staff_on_duty(seeds):
    import_reports([report_row(seeds.longshen, "复工", on_duty=260, total=303)])
    result = stats.resumption(SYSTEM, query("620100"))
    assert (result["staff_on_duty"], result["staff_total"], result["staff_rate"]) == (
        260,
        303,
        85.8,
    )
    assert (result["output"], result["capacity_utilisation"]) == (1.5, 80.0)


def test_status_carries_forward_and_changes_back(seeds):
    e = seeds.yb[0]
    import_reports(
        [
            report_row(e, "复工", day=datetime.date(2020, 2, 10)),
            report_row(e, "未复工", day=datetime.date(2020, 2, 12), on_duty=0),
        ]
    )

    def on(day):
        q = stats.StatsQuery.parse(SYSTEM, {"region": "222400", "date": day})
        return stats.resumption(SYSTEM, q)

    assert on("2020-02-09")["resumed"] == 0 and on("2020-02-09")["never_reported"] == 274
    assert on("2020-02-10")["resumed"] == 1 and on("2020-02-10")["reported_today"] == 1
    assert on("2020-02-11")["resumed"] == 1 and on("2020-02-11")["reported_today"] == 0
    assert on("2020-02-12")["resumed"] == 0 and on("2020-02-12")["never_reported"] == 273
    assert on("2020-02-14")["resumed"] == 0
    # a late report for the 11th changes that day only
    import_reports([report_row(e, "部分复工", day=datetime.date(2020, 2, 11))])
    assert on("2020-02-11")["resumed_partial"] == 1
    assert on("2020-02-12")["resumed"] == 0 and on("2020-02-13")["resumed"] == 0


def test_a_second_submission_updates_and_keeps_history(seeds):
    e = seeds.yb[0]
    import_reports([report_row(e, "未复工", on_duty=0)])
    import_reports([report_row(e, "复工", on_duty=40)])
    report = DailyReport.objects.get(enterprise=e)
    assert (report.status, report.version, report.channel) == ("full", 2, "import")
    assert report.versions.get().data["status"] == "not_resumed"
    assert stats.resumption(SYSTEM, query("222400"))["resumed"] == 1
    assert DayStatus.objects.filter(enterprise=e, day=D).count() == 1


def test_series_and_breakdowns(seeds):
    import_reports(
        [report_row(e, "复工", day=datetime.date(2020, 2, 12)) for e in seeds.yb[:10]]
        + [report_row(e, "复工") for e in seeds.yb[10:30]]
    )
    q = query("222400")
    days = stats.series(SYSTEM, q, datetime.date(2020, 2, 11), D)
    assert [d["resumed"] for d in days] == [0, 10, 10, 30]
    assert [d["reported_today"] for d in days] == [0, 10, 0, 20]
    by_region = {b["label"]: b for b in stats.resumption(SYSTEM, q, by="region")["breakdown"]}
    assert by_region["延吉市"]["enterprises"] + by_region["图们市"]["enterprises"] == 274
    assert by_region["延吉市"]["resumed"] + by_region["图们市"]["resumed"] == 30
    by_list = {b["label"]: b for b in stats.resumption(SYSTEM, q, by="list")["breakdown"]}
    assert by_list["重点企业"]["resumed"] == 30 and by_list["重点企业"]["enterprises"] == 50
    by_scale = stats.resumption(SYSTEM, q, by="scale")["breakdown"]
    assert [(b["key"], b["enterprises"]) for b in by_scale] == [("above", 274)]


def test_drill_down_lists_exactly_the_enterprises_counted(seeds):
    import_reports(
        [report_row(e, "复工") for e in seeds.yb[:5]]
        + [report_row(e, "部分复工") for e in seeds.yb[5:7]]
        + [report_row(e, "未复工", on_duty=0) for e in seeds.yb[7:10]]
    )
    q = query("222400")
    result = stats.resumption(SYSTEM, q)
    for figure in (
        "resumed",
        "resumed_full",
        "resumed_partial",
        "not_resumed",
        "never_reported",
        "reported_today",
        "missing_today",
        "enterprises",
    ):
        assert stats.drill_down(SYSTEM, q, figure).count() == result[figure], figure
    assert set(stats.drill_down(SYSTEM, q, "resumed_partial")) == set(seeds.yb[5:7])


@pytest.mark.slow
def test_rebuild_gives_the_same_rows_as_incremental_writes(seeds):
    import_reports(
        [report_row(e, "复工", day=datetime.date(2020, 2, 3)) for e in seeds.yb[:5]]
        + [report_row(e, "未复工", on_duty=0) for e in seeds.yb[2:8]]
    )
    campaign = Campaign.objects.get(name="2020年吉林省复工复产")

    def snapshot():
        return sorted(
            DayStatus.objects.filter(campaign=campaign).values_list(
                "day", "enterprise_id", "status", "reported_today"
            )
        )

    roll_forward(campaign)  # the worker's job: the reports alone leave the horizon behind
    before = snapshot()
    rebuild_status(campaign)
    assert snapshot() == before and len(before) > 0


def test_statistics_are_scoped(seeds):
    from fugong.core.models import Region, Role, Unit

    unit = Unit.objects.create(
        code="222402-zb",
        name="图们市专班",
        kind="command_centre",
        region=Region.objects.get(code="222402"),
    )
    tumen_officer = UserFactory(username="tumen", role=Role.COMMAND_CENTRE, unit=unit)
    import_reports([report_row(e, "复工") for e in seeds.yb[:30]])
    q = stats.StatsQuery.parse(tumen_officer, {"date": D.isoformat()})
    mine = stats.resumption(tumen_officer, q)
    in_tumen = [e for e in seeds.yb if e.region.code == "222402"]
    assert mine["region"] == "222402" and mine["enterprises"] == len(in_tumen)
    assert mine["resumed"] == len([e for e in seeds.yb[:30] if e.region.code == "222402"])
    # asking for the whole prefecture still counts only 图们's enterprises
    wide = stats.resumption(
        tumen_officer,
        stats.StatsQuery.parse(tumen_officer, {"region": "222400", "date": D.isoformat()}),
    )
    assert wide["enterprises"] == len(in_tumen)
    assert set(stats.drill_down(tumen_officer, q, "enterprises")) == set(in_tumen)


def test_submit_checks_rights_and_rules(seeds):
    from django.core.exceptions import ValidationError

    e = seeds.yb[0]
    with pytest.raises(ValidationError) as exc:
        submit_report(SYSTEM, e, D, {"status": "full", "staff_on_duty": 60, "staff_total": 50})
    assert "staff_on_duty" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        submit_report(SYSTEM, e, datetime.date(2020, 1, 1), {"status": "full"})
    assert "date" in exc.value.message_dict
    with pytest.raises(ValidationError):
        submit_report(
            SYSTEM, e, datetime.date.today() + datetime.timedelta(days=1), {"status": "full"}
        )
    assert not DailyReport.objects.exists()
    stranger = UserFactory(username="nobody", role="checkpoint")
    with pytest.raises(PermissionError):
        submit_report(stranger, e, D, {"status": "full"})


def test_region_days_stay_in_step_with_the_status_rows(seeds):
    """The series read from the rollups (RegionDay; SegmentDay under an industry filter,
    ScaleDay under a scale filter, ListDay under a list) equals the series computed from the
    status rows, after reports, late reports, resubmissions and registry moves, staff, industry
    and scale edits, imports, deletions, and list memberships added, ended and deleted on past
    days."""
    from fugong.core.models import Region, Role, Unit
    from fugong.registry.models import EnterpriseList
    from fugong.registry.services import add_to_list, remove_from_list, save_enterprise

    first, last = datetime.date(2020, 2, 3), D
    for campaign in Campaign.objects.all():
        roll_forward(campaign, last)  # the worker's horizon: the days below read the rollups
    import_reports(
        [
            report_row(e, "复工", day=first + datetime.timedelta(days=i % 9))
            for i, e in enumerate(seeds.yb[:60])
        ]
    )
    import_reports(
        [report_row(e, "未复工", day=datetime.date(2020, 2, 8), on_duty=0) for e in seeds.yb[20:40]]
    )
    import_reports(
        [report_row(e, "部分复工", day=datetime.date(2020, 2, 5)) for e in seeds.yb[30:35]]
    )  # late reports between others
    resubmitted = [
        report_row(e, "复工", day=datetime.date(2020, 2, 8), on_duty=9) for e in seeds.yb[20:25]
    ]
    for row in resubmitted[:3]:
        row[3] = "闭环生产"  # closed-loop production: the weighted shares count it apart
    import_reports(resubmitted)  # resubmissions
    moved = seeds.yb[1]
    moved.region = seeds.yanji if moved.region != seeds.yanji else Region.objects.get(code="222402")
    moved.total_staff = 77
    save_enterprise(SYSTEM, moved)  # a registry edit
    from fugong.registry.models import Enterprise

    headers = ["统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "规模", "职工总数"]
    other = seeds.yb[2]
    target = "222402" if other.region.code == "222401" else "222401"
    IMPORTERS["enterprises"](SYSTEM).run(
        xlsx(headers, [[other.uscc, other.name, target, "13", "规上", 12]])
    )  # a bulk move
    assert Enterprise.objects.get(pk=other.pk).region.code == target
    seeds.yb[3].delete()
    changed = seeds.yb[4]
    changed.industry = "34"  # another division and section: every day's segment changes
    save_enterprise(SYSTEM, changed)
    rescaled = seeds.yb[5]
    rescaled.scale = "below"  # from today: the campaign's days keep the old scale
    save_enterprise(SYSTEM, rescaled)
    key = EnterpriseList.objects.get(name="重点企业")
    for e in seeds.yb[60:70]:  # joined on a past day, inside the series
        add_to_list(SYSTEM, key, e, on=datetime.date(2020, 2, 6))
    for m in ListMembership.objects.filter(list=key, enterprise__in=seeds.yb[6:12]):
        remove_from_list(SYSTEM, m, on=datetime.date(2020, 2, 9))  # left on a past day
    ListMembership.objects.get(list=key, enterprise=seeds.yb[12]).delete()  # never was
    joined_late = ListMembership.objects.get(list=key, enterprise=seeds.yb[61])
    joined_late.added_on = datetime.date(2020, 2, 11)  # an edit moving its first day
    joined_late.save()
    listed = seeds.yb[56]  # a reporting enterprise put on the list by an import, that day
    with travel(datetime.date(2020, 2, 12), 9):
        IMPORTERS["enterprises"](SYSTEM).run(
            xlsx(
                [*headers, "名单"],
                [[listed.uscc, listed.name, listed.region.code, "13", "规上", 50, "重点企业"]],
            )
        )
    assert ListMembership.objects.get(list=key, enterprise=listed).added_on.day == 12
    # until the worker settles the changed regions, list figures read the status rows
    pending = query("222400", date=first.isoformat(), list="重点企业")
    assert stats.rollup_cells(SYSTEM, pending) is None
    assert stats.resumption(SYSTEM, pending) == stats.resumption(
        SYSTEM, pending, use_status_rows=True
    )
    assert settle_list_days.call_local() == 2  # 延吉 and 图们, once each
    unit = Unit.objects.create(
        code="222401-zb", name="延吉市专班", kind="command_centre", region=seeds.yanji
    )
    officer = UserFactory(username="yanji", role=Role.COMMAND_CENTRE, unit=unit)
    lists = ({"list": "重点企业"}, {"list": "重点企业", "scale": "above"})
    filters = ({}, {"industry": "13"}, {"industry": "C"}, {"scale": "above"}, {"scale": "below"})
    filters += lists
    for (user, code), flt in itertools.product(
        ((SYSTEM, "222400"), (SYSTEM, "222401"), (officer, "222400"), (officer, "222401")),
        filters,
    ):
        q = stats.StatsQuery.parse(user, {"region": code, "date": last.isoformat(), **flt})
        assert q.day <= q.horizon()
        cells = stats.rollup_cells(user, q)  # these read the rollup, each its own table
        table = {"industry": "segmentday", "scale": "scaleday", "list": "listday"}
        assert cells.model._meta.model_name == table.get(next(iter(flt), ""), "regionday")
        fast = stats.series(user, q, first, last)
        slow = stats.series(user, q, first, last, use_status_rows=True)
        assert fast == slow, (user, code, flt)
        for day in (first, datetime.date(2020, 2, 8), datetime.date(2020, 2, 10), last):
            qd = stats.StatsQuery.parse(user, {"region": code, "date": day.isoformat(), **flt})
            assert stats.resumption(user, qd, by="region") == stats.resumption(
                user, qd, by="region", use_status_rows=True
            ), (user, code, day, flt)
            assert weighted_shares(user, qd) == weighted_shares(user, qd, use_status_rows=True)
        assert fast[-1]["resumed"] == stats.resumption(user, q)["resumed"]
    by_list = stats.resumption(SYSTEM, query("222400"), by="list")
    assert by_list == stats.resumption(SYSTEM, query("222400"), by="list", use_status_rows=True)
    # 50 seeded, 1 enterprise deleted, 11 joined, 6 left, 1 membership deleted: 53 that day
    assert [b["enterprises"] for b in by_list["breakdown"] if b["label"] == "重点企业"] == [53]
    assert weighted_shares(SYSTEM, query("222400"))["closed_loop"]["enterprises"] == 3
    # on D the rescaled enterprise was still 规上 (its history period), whatever it is now
    assert stats.resumption(SYSTEM, query("222400", scale="below"))["enterprises"] == 0
    assert stats.series(SYSTEM, query("222400"), first, last)[-1]["resumed"] > 0


def test_a_list_series_follows_the_memberships_of_each_day(seeds):
    """A list's series reads the status rows of its members as of the last day only when no
    one joined or left within the window; else each day's members count on that day."""
    first, last = datetime.date(2020, 2, 3), D
    import_reports([report_row(e, "复工", day=first) for e in seeds.yb[:80]])
    q = query("222400", list="重点企业")
    steady = stats.series(SYSTEM, q, first, last)
    assert [d["enterprises"] for d in steady] == [50] * len(steady)
    assert steady[-1]["resumed"] == stats.resumption(SYSTEM, q)["resumed"] == 50
    for m in ListMembership.objects.filter(enterprise__in=seeds.yb[:10]):
        m.removed_on = datetime.date(2020, 2, 10)
        m.save()  # the admin's edit: the list's sums follow it
    moving = stats.series(SYSTEM, q, first, last)
    for day in moving:
        one = stats.resumption(SYSTEM, query("222400", list="重点企业", date=day["date"]))
        assert all(day[k] == one[k] for k in day if k != "date"), day["date"]
    assert moving[0]["enterprises"] == 50 and moving[-1]["enterprises"] == 40
