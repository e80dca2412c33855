"""Charts a leader can read: every dashboard chart has a server-rendered data table beside it
with the same figures as the JSON the chart reads; in chromium the chart draws and the table is
there. Screenshot artifacts/browser/charts-dashboard.png."""

import json
import re

import pytest
from django.utils import timezone

from fugong.core.permissions import SYSTEM
from fugong.reporting.services import submit_report

from .conftest import log_in, shot

TODAY = timezone.localdate()


def _cells(html, table_id):
    block = re.search(rf'<details class="chart-table" id="{table_id}">(.*?)</details>', html, re.S)
    assert block, table_id
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", block.group(1), re.S)
        if "<td" in row
    ]


def test_it_renders_a_data_table_per_chart_with_the_chart_figures(cast, campaign, login):
    submit_report(SYSTEM, cast.a, TODAY, {"status": "full"})
    submit_report(SYSTEM, cast.b, TODAY, {"status": "not_resumed"})
    html = login(cast.zhuanban).get("/dashboard/").content.decode()
    data = json.loads(re.search(r'id="chart-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert data["regions"] and data["industry"] and data["trend"]
    assert _cells(html, "table-regions") == [
        [r["label"], str(r["resumed"]), str(r["not_resumed"]), f"{r['rate']}%"]
        for r in data["regions"]
    ]
    assert _cells(html, "table-industry") == [
        [b["label"], str(b["resumed"]), str(b["enterprises"])] for b in data["industry"]
    ]
    trend = _cells(html, "table-trend")
    assert [row[0] for row in trend] == [d["date"] for d in data["trend"]]
    assert trend[-1][1] == str(data["trend"][-1]["rate"])
    assert _cells(html, "table-orders") == [
        [r["label"], str(r["open"]), str(r["overdue"])] for r in data["orders"]
    ]
    assert html.count("<summary>数据表</summary>") == 4


@pytest.mark.browser
def test_it_draws_the_charts_and_reaches_their_tables(
    live_server, transactional_db, cast, campaign, page
):
    submit_report(SYSTEM, cast.a, TODAY, {"status": "full"})
    submit_report(SYSTEM, cast.b, TODAY, {"status": "not_resumed"})
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server.url, "zhuanban")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#chart-regions svg")
    option = page.evaluate("""() => {
        const o = echarts.getInstanceByDom(document.getElementById('chart-regions')).getOption();
        const a = Array.isArray(o.aria) ? o.aria[0] : o.aria;
        return {aria: a.enabled, min: o.yAxis[0].minInterval,
                bar: o.series[0].barMaxWidth, color: o.series[0].color,
                label: o.yAxis[0].axisLabel.formatter(110990)};
    }""")
    assert option == {"aria": True, "min": 1, "bar": 32, "color": "#2fb344", "label": "110,990"}
    page.click("#table-regions summary")
    assert cast.regions.yanji.name in page.locator("#table-regions table").inner_text()
    shot(page, "charts-dashboard")
