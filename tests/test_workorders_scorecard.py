"""The scorecard per unit (考核), every figure against a hand-counted scenario of a dozen orders
across three units (延吉市交通运输局 T, 延吉市人社局 H, 延吉市专班 Z), the clock moved step by
step; its drill-down, ranking, weights, exports, command and API, and its scope.

The scenario (Monday 2026-12-07; sign-for limit 24 h = the next working day 18:00; handling
72 h = three working days after the sign-for, 18:00):

T  #1 signed 10:00, resolved 14:00, visited: resolved, satisfied
   #2 signed Tue 18:30 (late), resolved Wed 10:00, visited unresolved → redo, resolved Thu
      10:00, visited satisfied
   #3 refused at 09:30 (upheld at 11:00 → H)
   #4 never signed: escalated Tue 19:00 to Z (T: escalation, overdue)
   #5 signed 10:00, extension to 12-18 approved, resolved 12-16 10:00, visited satisfied
   #6 signed 10:00, resolved Fri 12-11 10:00, past its Thursday deadline (overdue)
H  #3 from 11:00: signed 12:00, resolved 15:00, visited: resolved but dissatisfied
   #7 signed 09:30, asked the enterprise 10:00, answered Wed 10:00 (48 h paused), resolved
      Fri 17:00 (in time thanks to the pause), the enterprise rated it 2 stars
   #8 signed 11:00, still in hand at the end of the month (overdue)
   #9 refused 09:20, refusal rejected 10:00, signed 13:00, resolved 16:00, visited satisfied
Z  #4 from Tue 19:00: never signed (overdue)
   #10 signed 09:10, resolved 09:40, visited satisfied
   #11 signed 10:00, asked the enterprise 10:30, no answer yet (paused: not overdue)
   #12 dispatched in November: outside the period
"""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from fugong.core.models import Role
from fugong.workorders import services
from fugong.workorders.models import WorkOrder
from fugong.workorders.services.scorecard import Period, scorecard

from .factories import UnitFactory, UserFactory


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, hour, minute))


DECEMBER = Period(datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
END = at(31, 12)


@pytest.fixture
def scenario(cast, campaign, transport):
    t_unit, t = transport
    h_unit = UnitFactory(
        code="222401-rsj",
        name="延吉市人社局",
        kind="department",
        sector="human_resources",
        region=cast.regions.yanji,
        parent=cast.units.cc_yanji,
    )
    h = UserFactory(username="rsj", role=Role.DEPARTMENT, unit=h_unit)
    z_unit, z = cast.units.cc_yanji, cast.yanji
    cc = cast.zhuanban  # the command centre rules, decides and visits back
    orders = {}

    def new(n, unit, when=None):
        when = when or at(7, 9)
        order = services.create_order(cast.contact_a, campaign, cast.a, f"问题 {n}", "h5")
        orders[n] = services.transition(cc, order, "dispatch", order.version, unit=unit, now=when)
        return orders[n]

    def step(user, n, action, when, **kw):
        order = WorkOrder.objects.get(pk=orders[n].pk)
        orders[n] = services.transition(user, order, action, order.version, now=when, **kw)

    def visit(n, when, resolved=True, satisfied=True, comment=""):
        step(cc, n, "visit_back", when, resolved=resolved, satisfied=satisfied, comment=comment)

    new(4, t_unit)
    assert len(services.escalate_overdue(at(8, 19))) == 1  # T's #4 → Z
    new(1, t_unit)
    step(t, 1, "sign", at(7, 10))
    step(t, 1, "resolve", at(7, 14))
    visit(1, at(7, 16))
    new(2, t_unit)
    step(t, 2, "sign", at(8, 18, 30))
    step(t, 2, "resolve", at(9, 10))
    visit(2, at(9, 12), resolved=False, satisfied=False, comment="仍未解决")
    step(t, 2, "resolve", at(10, 10))
    visit(2, at(10, 12))
    new(3, t_unit)
    step(
        t, 3, "return", at(7, 9, 30), reason="not_ours", rule="三定", comment="属人社", unit=h_unit
    )
    step(cc, 3, "rule_return", at(7, 11), decision="accept")
    step(h, 3, "sign", at(7, 12))
    step(h, 3, "resolve", at(7, 15))
    visit(3, at(7, 17), satisfied=False, comment="态度不好")
    new(5, t_unit)
    step(t, 5, "sign", at(7, 10))
    step(t, 5, "request_extension", at(7, 11), until=datetime.date(2026, 12, 18), reason="等货")
    step(cc, 5, "decide_extension", at(7, 12), decision="approve")
    step(t, 5, "resolve", at(16, 10))
    visit(5, at(16, 12))
    new(6, t_unit)
    step(t, 6, "sign", at(7, 10))
    step(t, 6, "resolve", at(11, 10))
    new(7, h_unit)
    step(h, 7, "sign", at(7, 9, 30))
    step(h, 7, "ask", at(7, 10), comment="请提供名单")
    step(cast.contact_a, 7, "answer", at(9, 10), comment="名单已发")
    step(h, 7, "resolve", at(11, 17))
    step(cast.contact_a, 7, "close", at(11, 18), rating=2)
    new(8, h_unit)
    step(h, 8, "sign", at(7, 11))
    new(9, h_unit)
    step(h, 9, "return", at(7, 9, 20), reason="duplicate", comment="重复")
    step(cc, 9, "rule_return", at(7, 10), decision="reject", comment="不重复")
    step(h, 9, "sign", at(7, 13))
    step(h, 9, "resolve", at(7, 16))
    visit(9, at(7, 17))
    new(10, z_unit)
    step(z, 10, "sign", at(7, 9, 10))
    step(z, 10, "resolve", at(7, 9, 40))
    visit(10, at(7, 11))
    new(11, z_unit)
    step(z, 11, "sign", at(7, 10))
    step(z, 11, "ask", at(7, 10, 30), comment="请补充材料")
    new(12, z_unit, when=at(30, 9, month=11))
    step(z, 12, "sign", at(30, 10, month=11))
    return {"T": t_unit, "H": h_unit, "Z": z_unit, "orders": orders}


EXPECTED = {
    "222401-jtj": {
        "received": 6,
        "signed": 4,
        "signed_on_time": 3,
        "replied_on_time": 3,
        "resolved": 4,
        "rated": 3,
        "satisfied": 3,
        "overdue": 2,
        "escalations": 1,
        "refusals": 1,
        "refusals_upheld": 1,
        "extensions": 1,
        "redos": 1,
        "sign_rate": 50.0,
        "response_rate": 75.0,
        "resolution_rate": 100.0,
        "satisfaction_rate": 100.0,
        "redo_rate": 25.0,
        "median_hours_to_sign": 1.0,  # 1, 1, 1, 33.5
        "median_hours_to_resolve": 85.0,  # 5, 73, 97, 217
        "score": 92.5,  # (75×30 + 100×35 + 100×35) / 100
        "rank": 1,
    },
    "222401-zb": {
        "received": 3,
        "signed": 2,
        "signed_on_time": 2,
        "replied_on_time": 1,
        "resolved": 1,
        "rated": 1,
        "satisfied": 1,
        "overdue": 1,
        "escalations": 0,
        "refusals": 0,
        "refusals_upheld": 0,
        "extensions": 0,
        "redos": 0,
        "sign_rate": 66.7,
        "response_rate": 50.0,
        "resolution_rate": 50.0,
        "satisfaction_rate": 100.0,
        "redo_rate": 0.0,
        "median_hours_to_sign": 0.6,  # 10 min, 1 h
        "median_hours_to_resolve": 0.7,  # 40 min
        "score": 67.5,  # (50×30 + 50×35 + 100×35) / 100
        "rank": 2,
    },
    "222401-rsj": {
        "received": 4,
        "signed": 4,
        "signed_on_time": 4,
        "replied_on_time": 3,
        "resolved": 3,
        "rated": 3,
        "satisfied": 1,
        "overdue": 1,
        "escalations": 0,
        "refusals": 1,
        "refusals_upheld": 0,
        "extensions": 0,
        "redos": 0,
        "sign_rate": 100.0,
        "response_rate": 75.0,
        "resolution_rate": 75.0,
        "satisfaction_rate": 33.3,
        "redo_rate": 0.0,
        "median_hours_to_sign": 1.5,  # 0.5, 1, 2, 4
        "median_hours_to_resolve": 7.0,  # 4, 7, 104
        "score": 60.4,  # (75×30 + 75×35 + 33.3×35) / 100
        "rank": 3,
    },
}


def test_every_figure_matches_the_hand_count(cast, scenario):
    rows = scorecard(cast.regions.yanji, DECEMBER, now=END)
    assert [row["unit"] for row in rows] == ["222401-jtj", "222401-zb", "222401-rsj"]
    for row in rows:
        got = {key: row[key] for key in EXPECTED[row["unit"]]}
        assert got == EXPECTED[row["unit"]], row["unit"]
    t = rows[0]
    assert t["sign_rate_of"] == [3, 6] and t["satisfaction_rate_of"] == [3, 3]


def numbers(orders, *ns):
    return sorted(orders[n].pk for n in ns)


@pytest.mark.parametrize(
    "unit, figure, expected",
    [
        ("T", "received", (1, 2, 3, 4, 5, 6)),
        ("T", "signed_on_time", (1, 5, 6)),
        ("T", "replied_on_time", (1, 2, 5)),
        ("T", "overdue", (4, 6)),
        ("T", "escalations", (4,)),
        ("T", "refusals_upheld", (3,)),
        ("T", "extensions", (5,)),
        ("T", "redos", (2,)),
        ("H", "rated", (3, 7, 9)),
        ("H", "satisfied", (9,)),
        ("H", "refusals", (9,)),
        ("H", "overdue", (8,)),
        ("Z", "received", (4, 10, 11)),
        ("Z", "overdue", (4,)),
    ],
)
def test_each_figure_drills_down_to_its_orders(cast, scenario, unit, figure, expected):
    params = {"view": "all", "region": "222401", "unit": scenario[unit].code, "figure": figure}
    flt = services.WorkOrderFilter.from_params(params | {"from": "2026-12-01", "to": "2026-12-31"})
    found = flt.queryset(cast.yanji, now=END)
    assert sorted(o.pk for o in found) == numbers(scenario["orders"], *expected)


def test_the_list_page_shows_a_figures_orders(cast, scenario, login):
    query = "region=222401&unit=222401-jtj&figure=refusals_upheld&from=2026-12-01&to=2026-12-31"
    page = login(cast.yanji).get(f"/workorders/?view=all&{query}")
    assert [o.pk for o in page.context["page"]] == [scenario["orders"][3].pk]
    assert 'id="drill-down"' in page.content.decode()
    r = login(cast.yanji).get(f"/workorders/?view=all&{query}&format=xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert [row[0].value for row in sheet.iter_rows()][-1] == scenario["orders"][3].pk


def test_the_campaign_weighs_the_score(cast, campaign, scenario):
    campaign.sla.update(
        scorecard_weight_response=50,
        scorecard_weight_resolution=50,
        scorecard_weight_satisfaction=0,
    )
    campaign.save()
    from fugong.workorders.services.scorecard_reports import scorecard_for

    _region, rows = scorecard_for(cast.yanji, "222401", DECEMBER)
    by_unit = {row["unit"]: row["score"] for row in rows}
    assert by_unit["222401-jtj"] == 87.5 and by_unit["222401-rsj"] == 75.0


def test_the_page_the_reports_the_command_and_the_api(cast, scenario, login, api, capsys):
    client = login(cast.yanji)
    query = "region=222401&from=2026-12-01&to=2026-12-31"
    page = client.get(f"/workorders/scorecard/?{query}")
    html = page.content.decode()
    assert page.status_code == 200 and "延吉市交通运输局" in html and "92.5" in html
    assert "figure=overdue" in html
    xlsx = client.get(f"/workorders/scorecard/?{query}&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = values[0] if values[0][0] == "排名" else values[1]
    first = values[values.index(header) + 1]
    assert first[:4] == [1, "延吉市交通运输局", "222401-jtj", 6] and first[-1] == 92.5
    pdf = client.get(f"/workorders/scorecard/?{query}&format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    call_command(
        "workorders",
        "scorecard",
        "--region",
        "222401",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-31",
        "--json",
    )
    printed = json.loads(capsys.readouterr().out)
    assert [(r["unit"], r["score"]) for r in printed] == [
        ("222401-jtj", 92.5),
        ("222401-zb", 67.5),
        ("222401-rsj", 60.4),
    ]
    r = api(cast.yanji)("get", f"/workorders/scorecard?{query}")
    assert r.status_code == 200
    body = r.json()
    assert [row["unit"] for row in body] == ["222401-jtj", "222401-zb", "222401-rsj"]
    # served at today's clock: the orders still in hand are not yet past their deadlines
    today = {row["unit"]: row for row in scorecard(cast.regions.yanji, DECEMBER)}
    for row in body:
        assert {k: row[k] for k in EXPECTED[row["unit"]]} == {
            k: today[row["unit"]][k] for k in EXPECTED[row["unit"]]
        }
        assert row["received"] == EXPECTED[row["unit"]]["received"]


def test_the_scorecard_keeps_to_the_scope(cast, scenario, login, api):
    query = "from=2026-12-01&to=2026-12-31"
    assert api(cast.tumen)("get", f"/workorders/scorecard?region=222401&{query}").status_code == 403
    assert api(cast.tumen)("get", f"/workorders/scorecard?{query}").json() == []
    assert api(cast.contact_a)("get", f"/workorders/scorecard?{query}").status_code == 403
    r = api(cast.yanji)("get", f"/workorders/scorecard?region=999999&{query}")
    assert r.status_code == 422 and "region" in r.json()["fields"]
    r = api(cast.yanji)("get", "/workorders/scorecard?from=yesterday")
    assert r.status_code == 422
    assert login(cast.tumen).get(f"/workorders/scorecard/?region=222401&{query}").status_code == 403
    # another township's orders only: none of these
    assert scorecard(cast.regions.beishan, DECEMBER, now=END) == []
    # the drill-down keeps to the scope too
    url = f"/workorders/?view=all&unit=222401-jtj&figure=received&{query}"
    assert list(login(cast.tumen).get(url).context["page"]) == []
