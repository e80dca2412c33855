"""Enterprise sheets as bureaus write them: regions by name (full or short, with a county
column when the name is not unique, from the address when the cell is empty), industries at
any precision or by Chinese name, lists that do not exist yet, `2月14日` in the campaign's year."""

import datetime

from fugong.core.excel import IMPORTERS
from fugong.core.models import Campaign
from fugong.registry.models import Enterprise, EnterpriseList, ListMembership
from fugong.registry.services import EnterpriseFilter, enterprises_for
from fugong.reporting import stats
from fugong.reporting.models import DailyReport

from .factories import RegionFactory, uscc
from .xlsx import xlsx

HEADERS = ["企业名称", "社会信用代码", "所属区域", "所属行业", "是否规上", "地址", "所属名单"]


def run(user, rows, headers=HEADERS, **kw):
    return IMPORTERS["enterprises"](user).run(xlsx(headers, rows), **kw)


def row(code, region="进学街道", industry="C27", address="", lists="", name=None):
    return [name or f"企业{code[-4:]}", code, region, industry, "规上", address, lists]


def test_it_finds_regions_by_full_and_short_name_and_by_code(cast):
    codes = [uscc() for _ in range(4)]
    rows = [row(codes[0], "进学街道"), row(codes[1], "进学"), row(codes[2], "北山")]
    rows.append(row(codes[3], "222401002"))
    report = run(cast.yanji, rows)
    assert report.errors == [] and report.created == 4, report.errors
    got = {e.uscc: e.region.code for e in Enterprise.objects.filter(uscc__in=codes)}
    assert got == dict(
        zip(codes, ["222401001", "222401001", "222401002", "222401002"], strict=True)
    )


def test_a_county_by_short_name_and_a_region_out_of_scope_by_name(cast):
    ok, out = uscc(), uscc()
    report = run(cast.yanji, [row(ok, "延吉"), row(out, "向上街道")])  # 向上 lies in 图们市
    assert [(e.row, e.column) for e in report.errors] == [(3, "行政区划代码")]
    assert "管辖范围" in report.errors[0].reason
    report = run(cast.yanji, [row(ok, "延吉")])
    assert Enterprise.objects.get(uscc=ok).region == cast.regions.yanji


def test_an_ambiguous_name_lists_the_candidates_and_a_county_column_settles_it(cast):
    RegionFactory(code="222402009", name="进学街道", level="township", parent=cast.regions.tumen)
    code = uscc()
    report = run(cast.zhuanban, [row(code, "进学")])
    assert [(e.row, e.column) for e in report.errors] == [(2, "行政区划代码")]
    reason = report.errors[0].reason
    assert "延吉市进学街道（222401001）" in reason and "图们市进学街道（222402009）" in reason
    report = run(cast.zhuanban, [[*row(code, "进学"), "图们市"]], headers=[*HEADERS, "县市"])
    assert report.errors == [], report.errors
    assert Enterprise.objects.get(uscc=code).region.code == "222402009"


def test_an_address_fills_a_missing_region_only_when_it_names_one(cast):
    good, vague = uscc(), uscc()
    rows = [
        row(good, "", address="吉林省延吉市北山街道光明路8号"),
        row(vague, "", address="长白路1号"),
    ]
    report = run(cast.yanji, rows, skip_bad=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "行政区划代码")]
    assert "地址" in report.errors[0].reason
    assert Enterprise.objects.get(uscc=good).region == cast.regions.beishan
    assert not Enterprise.objects.filter(uscc=vague).exists()


def test_it_keeps_industries_at_the_precision_given_and_counts_them_by_division(cast, campaign):
    codes = [uscc() for _ in range(6)]
    given = ["C", "制造业", "医药制造业", "化学原料和化学制品制造业", "271", "C2710"]
    report = run(cast.yanji, [row(c, industry=i) for c, i in zip(codes, given, strict=True)])
    assert report.errors == [] and report.created == 6, report.errors
    got = [
        Enterprise.objects.filter(uscc=c).values_list(
            "industry", "industry_division", "industry_section"
        )[0]
        for c in codes
    ]
    assert got == [
        ("C", "", "C"),
        ("C", "", "C"),
        ("27", "27", "C"),
        ("26", "26", "C"),
        ("271", "27", "C"),
        ("2710", "27", "C"),
    ]
    by_division = Enterprise.objects.filter(industry_division="27").count()
    assert by_division >= 3
    assert enterprises_for(cast.yanji, EnterpriseFilter(industry="C27")).count() == by_division
    in_c = enterprises_for(cast.yanji, EnterpriseFilter(industry="C")).filter(uscc__in=codes)
    assert in_c.count() == 6
    breakdown = stats.resumption(cast.yanji, stats.StatsQuery.parse(cast.yanji, {}), by="industry")
    rows = {b["key"]: b["enterprises"] for b in breakdown["breakdown"]}
    assert rows["27"] == enterprises_for(cast.yanji, EnterpriseFilter(industry="27")).count()


def test_a_list_that_does_not_exist_is_created_and_reported(cast):
    codes = [uscc(), uscc(), uscc()]
    rows = [
        row(codes[0], lists="保供企业"),
        row(codes[1], lists="保供企业；重点企业"),
        row(codes[2], industry="火箭制造业", lists="出口企业"),
    ]
    report = run(cast.yanji, rows)
    assert [(e.row, e.column) for e in report.errors] == [(4, "行业代码")]
    assert not EnterpriseList.objects.filter(name__in=["保供企业", "出口企业"]).exists()
    report = run(cast.yanji, rows, skip_bad=True)
    assert report.written and report.created == 2
    assert report.notices == ["新建名单“保供企业”（第2行起）"]
    new = EnterpriseList.objects.get(name="保供企业")
    assert ListMembership.objects.current().filter(list=new).count() == 2
    assert not EnterpriseList.objects.filter(name="出口企业").exists()


def test_a_short_date_takes_the_campaigns_year(cast):
    Campaign.objects.create(
        name="2020年复工", region=cast.regions.yanbian, starts_on=datetime.date(2020, 2, 1)
    )
    data = xlsx(
        ["统一社会信用代码", "日期", "复工状态", "在岗人数", "职工总数"],
        [[cast.a.uscc, "2月14日", "复工", 10, 20]],
    )
    report = IMPORTERS["reports"](cast.township).run(data)
    assert report.errors == [], report.errors
    assert DailyReport.objects.get(enterprise=cast.a).date == datetime.date(2020, 2, 14)
