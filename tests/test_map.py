"""Region boundaries matched and mismatched, the map page's data within scope, and the browser:
the map coloured by resumption rate and a region clicked through to its enterprises."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fugong.core.excel import IMPORTERS
from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.dashboard.boundaries import import_boundaries
from fugong.dashboard.demo import boundaries_geojson
from fugong.dashboard.models import Boundary
from fugong.registry.models import Enterprise

from .conftest import log_in, shot
from .factories import EnterpriseFactory
from .xlsx import REPORT_HEADERS, xlsx

SQUARE = {"type": "Polygon", "coordinates": [[[129, 42], [130, 42], [130, 43], [129, 42]]]}


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def feature(geometry=SQUARE, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_it_matches_features_by_code_adcode_and_name(cast):
    report = import_boundaries(
        SYSTEM,
        collection(feature(code="222401"), feature(adcode=222402), feature(name="进学街道")),
        skip_bad=False,
    )
    assert report.errors == [] and report.created == 3
    assert set(Boundary.objects.values_list("region__code", flat=True)) == {
        "222401",
        "222402",
        "222401001",
    }
    again = import_boundaries(SYSTEM, collection(feature(code="222401")), skip_bad=False)
    assert (again.created, again.updated) == (0, 1)


def test_it_reports_every_mismatch_and_writes_nothing(cast):
    report = import_boundaries(
        SYSTEM,
        collection(
            feature(code="222401"),
            feature(code="999999"),
            feature(name="不存在的县"),
            feature(),
            feature(geometry={"type": "Point", "coordinates": [129, 42]}, code="222402"),
            feature(adcode="222401"),
        ),
        skip_bad=False,
    )
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "code"),
        (3, "name"),
        (4, "code"),
        (5, "geometry"),
        (6, "code"),  # the same region as feature 1
    ]
    assert not report.written and not Boundary.objects.exists()
    assert import_boundaries(SYSTEM, "{not json", False).errors[0].row == 0
    assert import_boundaries(cast.yanji, collection(feature(code="222401")), False).errors


@pytest.fixture
def mapped(cast):
    campaign = Campaign.objects.create(
        name="2020年复工复产", region=cast.regions.yanbian, starts_on=datetime.date(2020, 1, 28)
    )
    rows = [[cast.a.uscc, "2020-02-14", "复工", "正常生产", 5, 10, "", "", "", ""]]
    assert IMPORTERS["reports"](SYSTEM).run(xlsx(REPORT_HEADERS, rows)).errors == []
    # the cast has two of the eight counties: the other six are reported and skipped
    assert len(import_boundaries(SYSTEM, boundaries_geojson(), True).errors) == 6
    cast.a.longitude, cast.a.latitude = 129.5, 42.95
    cast.a.save()
    return campaign


def map_data(response):
    text = response.content.decode()
    start = text.index('<script id="map-data" type="application/json">') + 46
    return json.loads(text[start : text.index("</script>", start)])


def test_it_gives_the_map_its_regions_and_points_within_scope(cast, mapped, login):
    data = map_data(login(cast.zhuanban).get("/map/?region=222400&date=2020-02-14"))
    assert len(data["geo"]["features"]) == 2
    assert data["regions"]["延吉市"]["rate"] == 50.0  # a of a, a2
    assert data["regions"]["延吉市"]["url"].startswith("/stats/enterprises/?region=222401")
    assert [p["name"] for p in data["points"]] == [cast.a.name]
    assert data["unplaced_count"] == 2
    other = map_data(login(cast.tumen).get("/map/?region=222400&date=2020-02-14"))
    assert other["points"] == [] and other["unplaced_count"] == 1  # only 图们's b
    assert other["regions"]["延吉市"]["enterprises"] == 0
    assert login(cast.contact_a).get("/map/").status_code == 403


def test_it_colours_the_map_and_drills_down_from_a_region(cast, mapped, live_server, page):
    log_in(page, live_server.url, "zhuanban")
    page.goto(f"{live_server.url}/map/?region=222400&date=2020-02-14")
    errors = []
    page.on("pageerror", lambda e: errors.append(e.stack))
    page.reload()
    page.wait_for_selector("#region-map canvas")
    colour = page.evaluate(
        "() => { const d = window.fugongMap.getModel().getSeriesByIndex(0).getData();"
        " return d.getItemVisual(d.indexOfName('延吉市'), 'style').fill; }"
    )
    assert colour and colour.lower() not in ("#eee", "#eeeeee")
    assert "2 户企业没有坐标" in page.inner_text("#placement")
    assert errors == []
    shot(page, "map-1-coloured")
    x, y = page.evaluate("() => window.fugongMap.convertToPixel({geoIndex: 0}, [129.4, 43.0])")
    box = page.locator("#region-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url("**/stats/enterprises/**region=222401**")
    assert cast.a.name in page.content() and cast.b.name not in page.content()
    shot(page, "map-2-drilled-down")


def test_it_lets_only_an_admin_upload_the_boundary_file(cast, login):
    def upload(user, text):
        file = SimpleUploadedFile("yanbian.geojson", text.encode(), "application/geo+json")
        return login(user).post("/map/boundaries/", {"file": file})

    good = collection(feature(code="222401"), feature(name="图们市"))
    assert upload(cast.zhuanban, good).status_code == 403
    page = upload(cast.admin, collection(feature(code="222401"), feature(code="999999")))
    assert "999999" in page.content.decode() and not Boundary.objects.exists()
    assert "新增 2" in upload(cast.admin, good).content.decode()
    assert Boundary.objects.count() == 2


def test_it_keeps_the_statistics_filters_on_the_map(cast, mapped, login):
    data = map_data(login(cast.zhuanban).get("/map/?region=222400&date=2020-02-14&scale=below"))
    assert data["regions"]["延吉市"]["enterprises"] == 1  # only a2 is below scale
    assert "scale=below" in data["regions"]["延吉市"]["url"]
    assert data["points"] == []  # a is above scale


@pytest.mark.browser
def test_it_clusters_many_points_and_zooms_into_a_cluster(cast, mapped, live_server, page):
    rows = [
        EnterpriseFactory.build(
            name=f"聚合{i}号企业",
            region=cast.regions.jinxue,
            longitude=Decimal("129.3") + Decimal(i % 20) / 100,
            latitude=Decimal("42.85") + Decimal(i // 20) / 100,
        )
        for i in range(400)
    ]
    for enterprise in rows:
        enterprise.derive_industry()
    Enterprise.objects.bulk_create(rows)
    log_in(page, live_server.url, "zhuanban")
    errors = []
    page.on("pageerror", lambda e: errors.append(e.stack))
    page.goto(f"{live_server.url}/map/?region=222400&date=2020-02-14")
    page.wait_for_selector("#region-map[data-cluster-count]")
    clusters = page.evaluate(
        "() => window.fugongMap.getOption().series[2].data.map(d => d.value[2])"
    )
    singles = int(page.get_attribute("#region-map", "data-single-count"))
    assert clusters and sum(clusters) + singles == 401  # every placed enterprise, once
    assert len(clusters) + singles < 100  # gathered, not 401 dots
    shot(page, "map-3-clustered")
    biggest = page.evaluate(
        "() => { const d = window.fugongMap.getOption().series[2].data;"
        " const top = d.reduce((a, b) => (b.value[2] > a.value[2] ? b : a));"
        " return window.fugongMap.convertToPixel({geoIndex: 0}, top.value.slice(0, 2)); }"
    )
    box = page.locator("#region-map").bounding_box()
    page.mouse.click(box["x"] + biggest[0], box["y"] + biggest[1])
    page.wait_for_function("() => (window.fugongMap.getOption().geo[0].zoom || 1) > 1")
    page.wait_for_timeout(300)
    after = page.evaluate("() => window.fugongMap.getOption().series[2].data.length")
    after_singles = int(page.get_attribute("#region-map", "data-single-count"))
    assert after + after_singles > len(clusters) + singles  # zoomed in: the groups split
    assert errors == []
    shot(page, "map-4-cluster-zoomed")
