"""Forms that cannot trip a user, seen from the pages: every form with a pre-filled date is
accepted when submitted unchanged; a report that became a work order says so with a link;
closing an order whose needs are undelivered needs an explicit confirmation; the rating is a
group of star radios with a legend and every control of the work-order page has a label."""

import datetime
import re
from html.parser import HTMLParser

from django.utils import timezone

from fugong.approvals import services as approvals
from fugong.core.models import SEVEN_MUSTS, Campaign
from fugong.reporting.models import DailyReport
from fugong.workorders import services
from fugong.workorders.models import WorkOrder

from .test_approvals import plan

TODAY = timezone.localdate()


class Forms(HTMLParser):
    """The forms of a page with what a browser would send for each, unchanged."""

    def __init__(self, html):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": {}, "dates": [], "buttons": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        fields = self._form["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "date":
                self._form["dates"].append((a["name"], a.get("value", "")))
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields.setdefault(a["name"], []).append(a.get("value", "on"))
            elif kind not in ("submit", "file"):
                fields.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "select":
            self._select = a.get("name")
            fields.setdefault(self._select, [])
        elif tag == "option" and self._select and "selected" in a:
            fields[self._select].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a.get("name")
            fields[self._textarea] = [""]
        elif tag == "button" and a.get("name"):
            self._form["buttons"].append((a["name"], a.get("value", "")))

    def handle_data(self, data):
        if self._textarea and self._form:
            self._form["fields"][self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def with_date(self, name):
        return next(f for f in self.forms if any(n == name for n, _v in f["dates"]))


def submit_unchanged(client, url, date_field, typed=None, button=None):
    """GET the page, check the pre-filled date is an ISO value a date input shows, POST the
    form unchanged (plus what a user must type) and return the response."""
    form = Forms(client.get(url).content.decode()).with_date(date_field)
    value = dict(form["dates"])[date_field]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), f"{url} {date_field}={value!r}"
    data = {k: v for k, v in form["fields"].items() if v}
    data.update(typed or {})
    if button:
        data[button[0]] = button[1]
    return client.post(form["action"] or url, data), value


def test_it_accepts_every_prefilled_date_form_unchanged(cast, campaign, login, settings):
    Campaign.objects.create(
        name="本轮", region=cast.regions.yanbian, starts_on=TODAY - datetime.timedelta(days=3)
    )
    # the daily report (日期)
    c = login(cast.contact_a)
    r, value = submit_unchanged(
        c, "/report/", "date", {"status": "full", "staff_on_duty": "10", "staff_total": "12"}
    )
    assert r.status_code == 302, re.findall(
        r"invalid-feedback[^<]*<|errorlist.{0,200}|alert-danger.{0,300}", r.content.decode()
    )
    assert DailyReport.objects.get(enterprise=cast.a, date=value).staff_on_duty == 10
    # the pass form (有效期起, pre-filled with today)
    r, value = submit_unchanged(
        c,
        "/passes/new/",
        "valid_from",
        {
            "plate": "吉H12345",
            "vehicle_type": "light_truck",
            "cargo": "materials",
            "driver_name": "张三",
            "driver_phone": "13800000000",
            "origin": "延吉",
            "destination": "长春",
            "valid_until": TODAY.isoformat(),
        },
    )
    assert r.status_code == 302, re.findall(
        r"invalid-feedback[^<]*<|errorlist.{0,200}|alert-danger.{0,300}", r.content.decode()
    )
    assert value == TODAY.isoformat()
    # a list's membership (列入日期, pre-filled with today)
    r, value = submit_unchanged(
        login(cast.admin), f"/lists/{cast.key_list.pk}/", "on", {"uscc": cast.b.uscc}
    )
    assert r.status_code == 302 and value == TODAY.isoformat()
    assert cast.key_list.memberships.get(enterprise=cast.b).added_on.isoformat() == value
    # the reviewer's 准予复工日期 (pre-filled with the planned date)
    data = {
        "checklist": [{"key": i["key"], "done": True, "note": "已落实"} for i in SEVEN_MUSTS],
        "staff_expected": 120,
        "planned_date": TODAY + datetime.timedelta(days=1),
    }
    app = approvals.submit(cast.contact_a, cast.a, "resumption", data, [plan()])
    app = approvals.review(cast.township, app, "approve", app.version)
    r, value = submit_unchanged(
        login(cast.yanji), f"/applications/{app.pk}/", "cleared_from", button=("action", "approve")
    )
    app.refresh_from_db()
    assert r.status_code == 302 and app.state == "approved"
    assert app.cleared_from.isoformat() == value == data["planned_date"].isoformat()


def resolved_with_masks(cast, campaign, transport, requested=2000):
    unit, officer = transport
    o = services.create_order(
        cast.contact_a,
        campaign,
        cast.a,
        "口罩不够用",
        "h5",
        needs=[{"kind": "masks", "requested": requested}],
    )
    o = services.transition(cast.yanji, o, "dispatch", o.version, unit=unit)
    o = services.transition(officer, o, "sign", o.version)
    return services.transition(officer, o, "resolve", o.version)


def test_it_asks_before_closing_an_order_whose_needs_are_undelivered(
    cast, campaign, transport, login
):
    o = resolved_with_masks(cast, campaign, transport)
    c = login(cast.contact_a)
    page = c.get(f"/workorders/{o.pk}/").content.decode()
    warning = page.split('id="undelivered-warning"', 1)[1].split("</div>", 1)[0]
    assert "口罩" in warning and "2,000" in warning and "已解决 0" in warning
    assert 'name="confirm_undelivered"' in warning and "确认需求未全部解决仍关闭" in warning
    r = c.post(f"/workorders/{o.pk}/close/", {"version": o.version, "rating": "4"}, follow=True)
    assert WorkOrder.objects.get(pk=o.pk).state == "resolved"
    assert "需求尚未全部解决" in r.content.decode()
    r = c.post(
        f"/workorders/{o.pk}/close/",
        {"version": o.version, "rating": "4", "confirm_undelivered": "on"},
    )
    o.refresh_from_db()
    assert (o.state, o.rating) == ("closed", 4)


def test_it_closes_a_fully_delivered_order_without_asking(cast, campaign, transport, login):
    o = resolved_with_masks(cast, campaign, transport, requested=10)
    services.deliver(transport[1], o.needs.get(), 10)
    o.refresh_from_db()
    c = login(cast.contact_a)
    assert "undelivered-warning" not in c.get(f"/workorders/{o.pk}/").content.decode()
    c.post(f"/workorders/{o.pk}/close/", {"version": o.version, "rating": "5"})
    assert WorkOrder.objects.get(pk=o.pk).state == "closed"


def test_it_refuses_an_unconfirmed_close_through_the_api(cast, campaign, transport, api):
    o = resolved_with_masks(cast, campaign, transport)
    call = api(cast.contact_a)
    r = call("post", f"/workorders/{o.pk}/close", data={"version": o.version})
    assert 400 <= r.status_code < 500 and "confirm_undelivered" in r.content.decode()
    r = call(
        "post",
        f"/workorders/{o.pk}/close",
        data={"version": o.version, "confirm_undelivered": True},
    )
    assert r.status_code == 200 and WorkOrder.objects.get(pk=o.pk).state == "closed"


def test_it_rates_with_labelled_star_radios_and_labels_every_control(
    cast, campaign, transport, login
):
    o = resolved_with_masks(cast, campaign, transport)
    page = login(cast.contact_a).get(f"/workorders/{o.pk}/").content.decode()
    assert re.search(r"<fieldset[^>]*fg-rating[^>]*>\s*<legend[^>]*>评价</legend>", page)
    stars = re.findall(r'<input type="radio" name="rating" value="(\d)" id="([^"]+)"', page)
    assert sorted(v for v, _i in stars) == ["1", "2", "3", "4", "5"]
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for control in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        if re.search(r'type="(hidden|submit)"', control) or "aria-label" in control:
            continue
        cid = re.search(r'id="([^"]+)"', control)
        assert cid and f'for="{cid.group(1)}"' in page, control
    # the dispatcher's page of an open order: the delivery amount has its label too
    o = services.create_order(
        cast.contact_a,
        campaign,
        cast.a,
        "体温计不够",
        "h5",
        needs=[{"kind": "masks", "requested": 5}],
    )
    page = login(cast.yanji).get(f"/workorders/{o.pk}/").content.decode()
    need = o.needs.get()
    assert f'<label class="visually-hidden" for="amount-{need.pk}">' in page


def test_it_says_a_report_became_a_work_order_with_a_link(cast, login):
    Campaign.objects.create(
        name="本轮", region=cast.regions.yanbian, starts_on=TODAY - datetime.timedelta(days=3)
    )
    c = login(cast.contact_a)
    typed = {"status": "full", "staff_on_duty": "10", "staff_total": "12"}
    r, _day = submit_unchanged(c, "/report/", "date", {**typed, "difficulties": "原料运不进来"})
    r = c.get(r["Location"])
    order = WorkOrder.objects.get(enterprise=cast.a)
    body = r.content.decode()
    assert "日报中的困难和需求已生成工单" in body
    assert f'<a href="/workorders/{order.pk}/" class="followup">#{order.pk} ' in body
    # a report without difficulties or needs says nothing of an order
    r, _day = submit_unchanged(c, "/report/", "date", {**typed, "difficulties": ""})
    assert "已生成工单" not in c.get(r["Location"]).content.decode()
