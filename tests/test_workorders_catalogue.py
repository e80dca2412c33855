"""The dispatch catalogue (派单目录 / 兜底): per campaign and region, a category (optionally
narrowed by keywords or the enterprise's scale) → the responsible unit, with a default owner
for the rest; the proposal of the unit uses it; officers edit it on a page in their scope; it
goes out to xlsx and back in unchanged through the importer framework."""

import pytest
from django.forms.models import model_to_dict

from fugong.core.excel import EXPORTERS, IMPORTERS
from fugong.core.models import Role
from fugong.workorders import services
from fugong.workorders.models import CatalogueEntry, Category

from .factories import UnitFactory, UserFactory
from .xlsx import xlsx


@pytest.fixture
def units(cast, transport):
    transport_unit, _ = transport
    hr = UnitFactory(
        code="222401-rsj",
        name="延吉市人社局",
        kind="department",
        sector="human_resources",
        region=cast.regions.yanji,
        parent=cast.units.cc_yanji,
    )
    port = UnitFactory(
        code="222401-kaq",
        name="延吉市口岸办",
        kind="department",
        sector="transport",
        region=cast.regions.yanji,
        parent=cast.units.cc_yanji,
    )
    return transport_unit, hr, port


def line(campaign, region, unit, category=None, **kw):
    return CatalogueEntry.objects.create(
        campaign=campaign,
        region=region,
        unit=unit,
        category=Category.objects.get(code=category) if category else None,
        **kw,
    )


def order(cast, campaign, text, enterprise=None):
    return services.create_order(cast.yanji, campaign, enterprise or cast.a, text, "hotline")


def test_the_most_specific_line_wins_and_the_default_owner_takes_the_rest(cast, campaign, units):
    transport_unit, hr, port = units
    line(campaign, cast.regions.yanji, transport_unit, "logistics")
    line(campaign, cast.regions.yanji, port, "logistics", keywords="口岸、跨境")
    line(campaign, cast.regions.yanji, hr, "labour", scale="above")
    line(campaign, cast.regions.jinxue, cast.units.jinxue)  # 进学街道's default owner
    logistics, labour = Category.objects.get(code="logistics"), Category.objects.get(code="labour")

    def proposed(text, category, enterprise=None):
        o = order(cast, campaign, text, enterprise)
        o.category = category
        return services.suggested_unit(o)

    assert proposed("货车进不了城", logistics) == transport_unit
    assert proposed("原料要从口岸进来", logistics) == port  # keywords narrow the line
    cast.a.scale = "above"
    cast.a.save()
    assert proposed("招不到人", labour) == hr
    cast.a.scale = "below"
    cast.a.save()
    # not covered (a small enterprise's labour problem): the township's default owner
    assert proposed("招不到人", labour) == cast.units.jinxue
    # 北山街道 has no default owner: the sector's department, as without a catalogue
    assert proposed("招不到人", labour, cast.a2) == hr
    assert proposed("货车进不了城", logistics, cast.a2) == transport_unit


def test_another_campaigns_catalogue_and_units_not_covering_the_enterprise_are_passed_over(
    cast, campaign, units
):
    from fugong.core.models import Campaign

    transport_unit, hr, port = units
    other = Campaign.objects.create(
        name="上一轮", region=cast.regions.yanbian, starts_on="2022-03-01"
    )
    line(other, cast.regions.yanji, port, "logistics")
    tumen_unit = UnitFactory(
        code="222402-jtj",
        name="图们交通",
        kind="department",
        sector="transport",
        region=cast.regions.tumen,
    )
    line(campaign, cast.regions.yanbian, tumen_unit, "logistics")
    o = order(cast, campaign, "货车进不了城")
    o.category = Category.objects.get(code="logistics")
    assert services.suggested_unit(o) == transport_unit  # the sector's, as before


def test_a_dispatch_without_a_unit_follows_the_catalogue_and_the_page_pre_selects_it(
    cast, campaign, units, login
):
    transport_unit, hr, port = units
    line(campaign, cast.regions.yanji, port, "logistics", keywords="口岸")
    o = order(cast, campaign, "原料要从口岸进来，货车进不了城")
    o.proposed_label = "logistics"  # the triage's proposal (its model is tuned elsewhere)
    o.save()
    html = login(cast.yanji).get(f"/workorders/{o.pk}/").content.decode()
    assert f'<option value="{port.pk}" selected>' in html
    o = services.transition(cast.yanji, o, "dispatch", o.version)
    assert o.unit == port


def test_officers_edit_the_catalogue_of_their_scope(cast, campaign, units, login):
    transport_unit, hr, port = units
    client = login(cast.yanji)
    page = client.get("/workorders/catalogue/")
    assert page.status_code == 200
    logistics = Category.objects.get(code="logistics")
    r = client.post(
        "/workorders/catalogue/",
        {
            "campaign": campaign.pk,
            "region": cast.regions.yanji.pk,
            "category": logistics.pk,
            "keywords": "口岸, 跨境",
            "unit": port.pk,
        },
    )
    assert r.status_code == 302
    entry = CatalogueEntry.objects.get()
    assert (entry.keywords, entry.unit) == ("口岸、跨境", port)
    # the same conditions twice: refused, with the reason
    r = client.post(
        "/workorders/catalogue/",
        {
            "campaign": campaign.pk,
            "region": cast.regions.yanji.pk,
            "category": logistics.pk,
            "keywords": "口岸、跨境",
            "unit": hr.pk,
        },
    )
    assert r.status_code == 200 and "已有相同条件" in r.content.decode()
    # a unit that does not cover the region: refused on the field
    r = client.post(
        f"/workorders/catalogue/?edit={entry.pk}",
        {"campaign": campaign.pk, "region": cast.regions.yanbian.pk, "unit": port.pk},
    )
    assert r.status_code == 200 and CatalogueEntry.objects.count() == 1
    r = client.post(
        f"/workorders/catalogue/?edit={entry.pk}",
        {"campaign": campaign.pk, "region": cast.regions.yanji.pk, "unit": hr.pk},
    )
    entry.refresh_from_db()
    assert (entry.category, entry.unit) == (None, hr)  # now the county's default owner
    # scope: 图们 sees no 延吉 line and cannot delete it; a department may not edit
    outside = login(cast.tumen).get("/workorders/catalogue/")
    assert list(outside.context["lines"]) == [] and "延吉市人社局" not in outside.content.decode()
    assert login(cast.tumen).post("/workorders/catalogue/", {"delete": entry.pk}).status_code == 404
    assert login(cast.department).get("/workorders/catalogue/").status_code == 403
    assert login(cast.yanji).post("/workorders/catalogue/", {"delete": entry.pk}).status_code == 302
    assert not CatalogueEntry.objects.exists()


def snapshot():
    return sorted(
        tuple(sorted((k, str(v)) for k, v in model_to_dict(e).items()))
        for e in CatalogueEntry.objects.all()
    )


def test_the_catalogue_goes_out_to_xlsx_and_back_in_unchanged(cast, campaign, units, login):
    transport_unit, hr, port = units
    line(campaign, cast.regions.yanji, transport_unit, "logistics")
    line(campaign, cast.regions.yanji, port, "logistics", keywords="口岸、跨境")
    line(campaign, cast.regions.yanji, hr, "labour", scale="above")
    line(campaign, cast.regions.jinxue, cast.units.jinxue)
    before = snapshot()
    data = login(cast.yanji).get("/workorders/catalogue/?format=xlsx").content
    assert data[:2] == b"PK"
    # another county's export holds none of 延吉's lines
    assert IMPORTERS["catalogue"](cast.tumen).run(EXPORTERS["catalogue"](cast.tumen, {})).rows == 0
    report = IMPORTERS["catalogue"](cast.yanji).run(data)
    assert report.errors == [] and (report.rows, report.created, report.updated) == (4, 0, 0)
    assert snapshot() == before
    # a changed unit updates its line; a new condition adds one
    changed = xlsx(
        ["应急事件", "行政区划代码", "问题类别", "关键词", "企业规模", "承办单位编码"],
        [
            ["本轮应急", "222401", "物流运输", "", "", "222401-kaq"],
            ["本轮应急", "222401", "资金融资", "", "规上", "222401-rsj"],
        ],
    )
    report = IMPORTERS["catalogue"](cast.yanji).run(changed)
    assert report.errors == [] and (report.created, report.updated) == (1, 1)
    assert CatalogueEntry.objects.get(category__code="logistics", keywords="").unit == port


def test_bad_catalogue_rows_are_reported_and_nothing_is_imported(cast, campaign, units):
    bad = xlsx(
        ["应急事件", "行政区划代码", "问题类别", "关键词", "企业规模", "承办单位编码"],
        [
            ["本轮应急", "222401", "物流运输", "", "", "222401-jtj"],
            ["没有这个事件", "222401", "物流运输", "", "", "222401-jtj"],
            ["本轮应急", "999999", "", "", "", "222401-jtj"],
            ["本轮应急", "222401", "不存在的类别", "", "超大", "nope"],
        ],
    )
    report = IMPORTERS["catalogue"](cast.yanji).run(bad)
    reasons = {(e.row, e.column) for e in report.errors}
    assert {(3, "应急事件"), (4, "行政区划代码"), (5, "问题类别"), (5, "企业规模")} <= reasons
    assert (5, "承办单位编码") in reasons
    assert not CatalogueEntry.objects.exists()
    # outside the officer's scope: refused at write time, nothing kept
    tumen_officer = UserFactory(username="tm2", role=Role.COMMAND_CENTRE, unit=cast.units.cc_tumen)
    one = xlsx(
        ["应急事件", "行政区划代码", "问题类别", "承办单位编码"],
        [["本轮应急", "222401", "物流运输", "222401-jtj"]],
    )
    report = IMPORTERS["catalogue"](tumen_officer).run(one)
    assert report.errors and not CatalogueEntry.objects.exists()
