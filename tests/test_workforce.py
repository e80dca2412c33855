"""Workers and their commute (用工与通勤): a vacancy matched (local, transfer, returning) and
the shortage by industry and county; returning workers on a charter bus with the subsidy per
enterprise; a commuter line with seat bookings within capacity; the closed-loop rule on both
(a bubble enterprise's bus goes only between its site and its lodging); bad input; scope."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from fugong.approvals.demo import build as approvals_demo
from fugong.approvals.models import Application
from fugong.core.models import Notification, Role, User
from fugong.registry import demo as registry_demo
from fugong.workforce import commutes, hiring
from fugong.workforce.demo import build as build_demo
from fugong.workforce.models import CommuterLine, SeatBooking, TravelDemand, Vacancy

from .factories import UnitFactory, UserFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
VACANCY = {
    "post": "普工",
    "number": "30",
    "pay": "4500–6000 元/月",
    "place": "延吉高新区",
    "lodging": True,
}


@pytest.fixture
def offices(cast, campaign):
    hr = UnitFactory(
        code="222400-rsj", name="延边州人社局", kind="department", sector="human_resources",
        region=cast.regions.yanbian, parent=cast.units.cc_yanbian,
    )  # fmt: skip
    transport = UnitFactory(
        code="222400-jtj", name="延边州交通运输局", kind="department", sector="transport",
        region=cast.regions.yanbian, parent=cast.units.cc_yanbian,
    )  # fmt: skip
    cast.hr = UserFactory(username="renshe", role=Role.DEPARTMENT, unit=hr)
    cast.transport = UserFactory(username="jiaotong", role=Role.DEPARTMENT, unit=transport)
    cast.campaign = campaign
    return cast


def in_bubble(cast, enterprise):
    Application.objects.create(
        campaign=cast.campaign, enterprise=enterprise, kind="closed_loop", state="approved",
        cleared_from=TODAY - DAY,
    )  # fmt: skip


def test_it_matches_a_vacancy_until_filled_and_counts_the_shortage(offices):
    vacancy = hiring.post_vacancy(offices.contact_a, offices.a, VACANCY)
    assert Notification.objects.filter(user=offices.hr, kind="workforce").exists()
    hiring.record_match(offices.hr, vacancy, {"kind": "local", "workers": "12"})
    hiring.record_match(
        offices.hr, vacancy, {"kind": "transfer", "workers": "8", "from_enterprise": offices.b.uscc}
    )
    [row] = hiring.shortage(offices.hr, "industry")
    assert (row["group"], row["needed"], row["matched"], row["short"]) == ("C 制造业", 30, 20, 10)
    assert hiring.shortage(offices.hr, "region")[0]["group"] == "延吉市"
    with pytest.raises(ValidationError):  # more than the 10 still needed
        hiring.record_match(offices.hr, vacancy, {"kind": "returning", "workers": "11"})
    hiring.record_match(offices.hr, vacancy, {"kind": "returning", "workers": "10"})
    vacancy.refresh_from_db()
    assert vacancy.state == "filled" and hiring.shortage(offices.hr) == []
    with pytest.raises(PermissionError):
        hiring.record_match(offices.department, vacancy, {"kind": "local", "workers": "1"})


@pytest.mark.parametrize(
    "changes, field",
    [({"number": "0"}, "number"), ({"post": ""}, "post"), ({"number": "abc"}, "number")],
)
def test_it_refuses_bad_vacancies(offices, changes, field):
    with pytest.raises(ValidationError) as caught:
        hiring.post_vacancy(offices.contact_a, offices.a, {**VACANCY, **changes})
    assert field in caught.value.message_dict and not Vacancy.objects.exists()


def test_it_puts_returning_workers_on_a_charter_bus_and_pays_the_subsidy(offices):
    bus = commutes.create_bus(
        offices.hr,
        {"region": offices.regions.yanbian, "origin": "汪清县", "destination": "延吉高新区",
         "departs_on": TODAY + DAY, "seats": "45"},
    )  # fmt: skip
    first = commutes.request_travel(
        offices.contact_a,
        offices.a,
        {"origin": "汪清县", "workers": "30", "travel_on": TODAY + DAY},
    )
    second = commutes.request_travel(
        offices.contact_b,
        offices.b,
        {"origin": "汪清县", "workers": "20", "travel_on": TODAY + DAY},
    )
    commutes.board(offices.hr, bus, first)
    with pytest.raises(ValidationError, match="座位不足"):
        commutes.board(offices.hr, bus, second)
    commutes.pay_subsidy(offices.hr, TravelDemand.objects.get(pk=first.pk), "3000")
    [row] = commutes.subsidies_by_enterprise(offices.zhuanban)
    assert (row["enterprise"], row["workers"], row["subsidy"]) == (
        offices.a.name,
        30,
        Decimal("3000.00"),
    )
    with pytest.raises(ValidationError):
        commutes.pay_subsidy(offices.hr, second, "100")  # not on a bus


def test_it_keeps_a_bubble_enterprises_charter_bus_to_itself_and_its_lodging(offices):
    in_bubble(offices, offices.a)
    with pytest.raises(ValidationError, match="厂区和住宿点"):
        commutes.bubble_of(offices.a)
    commutes.save_bubble(offices.contact_a, offices.a, "甲制药厂区", "甲制药员工公寓")
    shared = commutes.create_bus(
        offices.hr,
        {"region": offices.regions.yanbian, "origin": "汪清县", "destination": "延吉高新区",
         "departs_on": TODAY + DAY, "seats": "50"},
    )  # fmt: skip
    other = commutes.request_travel(
        offices.contact_b, offices.b, {"origin": "汪清县", "workers": "5", "travel_on": TODAY + DAY}
    )
    commutes.board(offices.hr, shared, other)
    bubble_workers = commutes.request_travel(
        offices.contact_a,
        offices.a,
        {"origin": "汪清县", "workers": "10", "travel_on": TODAY + DAY},
    )
    with pytest.raises(ValidationError, match="单独乘车"):
        commutes.board(offices.hr, shared, bubble_workers)
    to_site = commutes.create_bus(
        offices.hr,
        {"region": offices.regions.yanbian, "origin": "汪清县", "destination": "延吉高新区",
         "departs_on": TODAY + DAY, "seats": "50"},
    )  # fmt: skip
    with pytest.raises(ValidationError, match="住宿点"):
        commutes.board(offices.hr, to_site, bubble_workers)
    own = commutes.create_bus(
        offices.hr,
        {"region": offices.regions.yanbian, "origin": "汪清县", "destination": "甲制药员工公寓",
         "departs_on": TODAY + DAY, "seats": "12"},
    )  # fmt: skip
    assert commutes.board(offices.hr, own, bubble_workers).bus == own


def line_data(offices, **changes):
    return {
        "region": offices.regions.yanji,
        "name": "高新区1号线",
        "stops": "火车站；进学街道；高新区",
        "departures": "07:00；07:30；17:30",
        "capacity": "40",
        "enterprises": f"{offices.a.uscc}；{offices.a2.uscc}",
        **changes,
    }


def test_it_books_seats_on_a_commuter_line_within_capacity(offices):
    line = commutes.create_line(offices.transport, line_data(offices))
    assert line.stops == ["火车站", "进学街道", "高新区"]
    ride = {"day": TODAY + DAY, "departure": "07:00", "seats": "30"}
    commutes.book(offices.contact_a, line, offices.a, ride)
    with pytest.raises(ValidationError, match="剩余 10 座"):
        commutes.book(offices.contact_a, line, offices.a, {**ride, "seats": "11"})
    with pytest.raises(ValidationError):
        commutes.book(offices.contact_a, line, offices.a, {**ride, "departure": "08:15"})
    with pytest.raises(ValidationError):  # 图们's enterprise is not served
        commutes.book(offices.contact_b, line, offices.b, ride)
    for bad, field in [({"departures": "7点"}, "departures"), ({"stops": "火车站"}, "stops")]:
        with pytest.raises(ValidationError) as caught:
            commutes.create_line(offices.transport, line_data(offices, name="坏线路", **bad))
        assert field in caught.value.message_dict
    with pytest.raises(PermissionError):
        commutes.create_line(offices.hr, line_data(offices, name="人社线路"))
    assert SeatBooking.objects.count() == 1 and CommuterLine.objects.count() == 1


def test_it_keeps_a_bubble_enterprises_commuter_line_between_site_and_lodging(offices):
    in_bubble(offices, offices.a)
    commutes.save_bubble(offices.contact_a, offices.a, "甲制药厂区", "甲制药员工公寓")
    with pytest.raises(ValidationError, match="不能同时服务其他企业"):
        commutes.create_line(offices.transport, line_data(offices))
    only_a = line_data(offices, enterprises=offices.a.uscc)
    with pytest.raises(ValidationError, match="往返于厂区"):
        commutes.create_line(offices.transport, only_a)
    bubble_line = commutes.create_line(
        offices.transport,
        {**only_a, "name": "甲制药闭环专线", "stops": "甲制药员工公寓；甲制药厂区"},
    )
    booking = commutes.book(
        offices.contact_a,
        bubble_line,
        offices.a,
        {"day": TODAY, "departure": "07:00", "seats": "20"},
    )
    assert booking.line == bubble_line
    shared = commutes.create_line(
        offices.transport, line_data(offices, name="2号线", enterprises=offices.a2.uscc)
    )
    shared.enterprises.add(offices.a)  # added behind the service's back: booking still refuses
    with pytest.raises(ValidationError, match="闭环规则"):
        commutes.book(
            offices.contact_a, shared, offices.a, {"day": TODAY, "departure": "07:00", "seats": "1"}
        )


def test_it_keeps_workforce_data_to_the_scope(offices, login, api):
    vacancy = hiring.post_vacancy(offices.contact_a, offices.a, VACANCY)
    line = commutes.create_line(offices.transport, line_data(offices))
    for outsider in (offices.contact_b, offices.tumen):
        client = login(outsider)
        assert client.get(f"/workforce/vacancies/{vacancy.pk}/").status_code == 404
        assert client.get(f"/workforce/lines/{line.pk}/").status_code == 404
        assert api(outsider)("get", "/workforce/vacancies").json() == []
        assert api(outsider)("get", "/workforce/lines").json() == []
    rows = load_workbook(
        BytesIO(login(offices.tumen).get("/workforce/?format=xlsx").content)
    ).active
    assert rows.max_row == 1
    assert login(offices.contact_a).get(f"/workforce/lines/{line.pk}/").status_code == 200
    assert login(offices.yanji).get(f"/workforce/vacancies/{vacancy.pk}/").status_code == 200


def test_it_serves_the_pages_to_the_enterprise_hr_and_transport(offices, login):
    phone = login(offices.contact_a)
    assert phone.post("/workforce/vacancies/new/", VACANCY).status_code == 302
    vacancy = Vacancy.objects.get()
    travel = {"origin": "汪清县", "workers": "10", "travel_on": (TODAY + DAY).isoformat()}
    assert phone.post("/workforce/travel/new/", travel).status_code == 302
    assert phone.post("/workforce/bubble/", {"site": "厂区", "lodging": "公寓"}).status_code == 302
    page = phone.get("/workforce/").content.decode()
    assert "普工 30 人" in page and "汪清县" in page and "厂区 ⇄ 公寓" in page
    bad = phone.post("/workforce/vacancies/new/", {**VACANCY, "number": "0"})
    assert bad.status_code == 200 and "has-error" in bad.content.decode()

    desk = login(offices.hr)
    assert "C 制造业" in desk.get("/workforce/").content.decode()
    desk.post(f"/workforce/vacancies/{vacancy.pk}/match/", {"kind": "local", "workers": "5"})
    assert hiring.matched(vacancy) == 5
    answer = desk.post(
        "/workforce/buses/",
        {"region": offices.regions.yanbian.pk, "origin": "汪清县", "destination": "延吉",
         "departs_on": (TODAY + DAY).isoformat(), "seats": "40"},
    )  # fmt: skip
    demand = offices.a.travel_demands.get()
    assert answer.status_code == 302
    desk.post(answer.url, {"demand": demand.pk})
    desk.post(answer.url, {"demand": demand.pk, "do": "subsidy", "subsidy": "800"})
    demand.refresh_from_db()
    assert demand.bus_id and demand.subsidy == 800
    assert "800" in desk.get("/workforce/buses/").content.decode()

    transport = login(offices.transport)
    answer = transport.post(
        "/workforce/lines/",
        {**line_data(offices), "region": offices.regions.yanji.pk},
    )
    line = CommuterLine.objects.get()
    assert answer.status_code == 302
    phone = login(offices.contact_a)
    phone.post(
        f"/workforce/lines/{line.pk}/",
        {"day": TODAY.isoformat(), "departure": "07:30", "seats": "3"},
    )
    assert SeatBooking.objects.get().seats == 3
    assert "07:30" in login(offices.transport).get(f"/workforce/lines/{line.pk}/").content.decode()


@pytest.mark.django_db
def test_the_demo_city_has_vacancies_a_charter_bus_and_commuter_lines():
    registry_demo.build(300)
    approvals_demo()
    made, logins = build_demo()
    assert made == 5 and logins[0][0] == "renshe"
    assert build_demo()[0] == 0  # idempotent
    hr = User.objects.get(username="renshe")
    assert sum(row["short"] for row in hiring.shortage(hr)) == 63 - 26
    assert sum(row["subsidy"] for row in commutes.subsidies_by_enterprise(hr)) == 3900
    lines = {line.name: line for line in CommuterLine.objects.all()}
    assert len(lines["延吉高新区定制公交1号线"].departures) == 10
    bubble_line = next(line for name, line in lines.items() if name.endswith("闭环专线"))
    assert bubble_line.enterprises.count() == 1 and len(bubble_line.stops) == 2
