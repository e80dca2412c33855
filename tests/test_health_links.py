"""The personal declaration link: the health officer issues it (slip or SMS), revokes and
re-issues it, audited; it is stored only as a keyed hash; one GET shows the form and one POST
declares; every identification is audited without the token; the enterprise contact, with
what the masked roster shows, cannot declare for anyone; the gate QR keeps working."""

import datetime
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from fugong.core import security
from fugong.core.models import AuditLog, Campaign, Delivery, Role
from fugong.core.outbox import send_delivery
from fugong.health import declaring, services
from fugong.health.demo import id_card
from fugong.health.models import Declaration, Employee

from .clock import travel
from .factories import enterprise_user

pytestmark = pytest.mark.shard_keys  # tests/shard_keys.py: Citus-ready queries

TODAY = timezone.localdate()
FORM = {"temperature": "36.6", "test_result": "none"}


@pytest.fixture
def health(cast):
    Campaign.objects.create(
        name="本轮应急",
        region=cast.regions.yanbian,
        starts_on=TODAY - datetime.timedelta(days=40),
        modules=["health"],
    )
    officer = enterprise_user("fangyi_a", cast.a, role=Role.HEALTH_OFFICER)
    officer_b = enterprise_user("fangyi_b", cast.b, role=Role.HEALTH_OFFICER)
    zhang = services.save_employee(
        officer, cast.a, {"name": "张小三", "id_number": id_card(271), "phone": "13904331234"}
    )
    li = services.save_employee(officer, cast.a, {"name": "李四", "id_number": id_card(272)})
    return SimpleNamespace(officer=officer, officer_b=officer_b, zhang=zhang, li=li)


def personal_path(token):
    return f"/p/{token}/"


def slip(login, officer, employee):
    """The health officer prints the slip: the personal link's address, shown once."""
    r = login(officer).post(f"/health/roster/{employee.pk}/link/", {"action": "issue"})
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    page = r.content.decode()
    assert 'id="slip-qr"' in page and "<svg" in page
    url = re.search(r'<code id="personal-url">([^<]+)</code>', page).group(1)
    return urlparse(url).path


def test_it_stores_only_a_keyed_hash_of_the_token(cast, health):
    token = services.issue_link(health.officer, health.zhang)
    secret = token.split(".", 1)[1]
    assert token.startswith(f"{cast.a.pk}.") and len(secret) >= 24
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM health_employee")
        raw = json.dumps(cur.fetchall(), default=str)
    assert secret not in raw
    assert Employee.objects.get(pk=health.zhang.pk).link_hash not in ("", secret)
    entries = AuditLog.objects.filter(action="issue_link")
    assert entries.count() == 1 and secret not in json.dumps(list(entries.values()), default=str)


def test_it_declares_with_one_get_and_one_post_and_the_gate_qr_works(cast, health, login):
    path = slip(login, health.officer, health.zhang)
    employee = Client()  # no account, no session needed
    page = employee.get(path)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert page["Referrer-Policy"] == "same-origin"  # the token goes to no other site
    assert 'id="declaration-form"' in page.content.decode()
    assert "张*三" in page.content.decode() and "张小三" not in page.content.decode()
    fresh = Client()  # the POST alone identifies and declares: no earlier request, no cookie
    fresh.get(path)  # a CSRF cookie only (the page load)
    before = AuditLog.objects.filter(action="identify").count()
    r = fresh.post(path, FORM)
    assert r.status_code == 302 and r["Location"] == path
    assert AuditLog.objects.filter(action="identify").count() == before + 1
    d = Declaration.objects.get()
    assert d.employee == health.zhang and d.enterprise == cast.a and not d.abnormal
    page = fresh.get(path).content.decode()
    assert "今日已申报，正常" in page and 'id="gate-qr"' in page
    # the gate QR encodes the gate page with today's code; the guard's scan admits
    code = services.gate_code(d)
    r = login(health.officer).get(f"/health/gate/?code={code}")
    assert r.status_code == 200 and r.context["employee"] == health.zhang
    assert r.context["declared"] == d
    # bad input on the form: a field error, nothing written
    r = fresh.post(path, {"temperature": "NaN", "test_result": "none"})
    assert r.status_code == 200 and r.context["form"].errors["temperature"]
    r = fresh.post(path, {"temperature": "45.0", "test_result": "none"})
    assert "不在 34.0–42.0℃ 之间" in r.content.decode()
    assert Declaration.objects.get().temperature == d.temperature


def test_the_gate_code_is_the_same_all_day_and_its_qr_is_drawn_once(cast, health, login):
    path = slip(login, health.officer, health.zhang)
    phone = Client()
    phone.get(path)
    assert phone.post(path, FORM).status_code == 302
    d = Declaration.objects.get()
    with travel(TODAY, 7, 1):
        morning = services.gate_code(d)
    with travel(TODAY, 17, 59):
        evening = services.gate_code(d)
        assert services.employee_by_gate_code(cast.a, morning, TODAY) == health.zhang
    # no timestamp in it: the same code, and so the same QR, all day; a day's code, not another's
    assert morning == evening and str(d.employee_id) in morning
    yesterday = Declaration(employee_id=d.employee_id, day=TODAY - datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="今日申报码"):
        services.employee_by_gate_code(cast.a, services.gate_code(yesterday), TODAY)
    # a changed employee or day breaks the signature
    forged = morning.replace(f"{d.employee_id}.", f"{health.li.pk}.", 1)
    with pytest.raises(ValidationError, match="篡改"):
        services.employee_by_gate_code(cast.a, forged, TODAY)
    # a page opened before the deploy shows the earlier, timestamped code: still admitted today
    earlier = signing.dumps([d.employee_id, TODAY.isoformat()], salt=services.GATE_SALT)
    assert services.employee_by_gate_code(cast.a, earlier, TODAY) == health.zhang
    # the worker draws the QR once and shows the same one on every later view of the day
    declaring.gate_qr.cache_clear()
    first = re.search(r'id="gate-qr">.*?</svg>', phone.get(path).content.decode(), re.S)
    second = re.search(r'id="gate-qr">.*?</svg>', phone.get(path).content.decode(), re.S)
    assert first and second and first.group(0) == second.group(0)
    info = declaring.gate_qr.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    r = login(health.officer).get(f"/health/gate/?code={morning}")
    assert r.context["employee"] == health.zhang and r.context["declared"] == d


def test_it_audits_every_identification_without_the_token(cast, health, login):
    path = slip(login, health.officer, health.zhang)
    token = path.split("/")[2]
    Client().get(path)
    wrong = f"{cast.a.pk}.{'x' * 24}"
    for bad in (wrong, "garbage", f"{cast.a.pk}."):
        assert Client().get(personal_path(bad)).status_code == 404
    ok = AuditLog.objects.filter(action="identify")
    assert ok.count() == 1 and ok.get().target_id == str(health.zhang.pk)
    assert ok.get().username == "system" and ok.get().detail["via"] == "personal_link"
    failed = AuditLog.objects.filter(action="identify_failed").order_by("id")
    assert failed.count() == 3
    assert [f.detail["enterprise"] for f in failed] == [cast.a.pk, None, None]
    everything = json.dumps(list(AuditLog.objects.values()), default=str)
    assert token.split(".", 1)[1] not in everything and "x" * 24 not in everything


def test_it_revokes_and_reissues_and_only_the_newest_link_works(cast, health, login):
    first = slip(login, health.officer, health.zhang)
    second = slip(login, health.officer, health.zhang)
    assert first != second
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    r = login(health.officer).post(f"/health/roster/{health.zhang.pk}/link/", {"action": "revoke"})
    assert r.status_code == 302
    assert Client().get(second).status_code == 404
    assert list(
        AuditLog.objects.filter(action__in=["issue_link", "revoke_link", "send_link"])
        .order_by("id")
        .values_list("action", "detail__reissue")
    ) == [
        ("issue_link", False),
        ("issue_link", True),
        ("revoke_link", None),
    ]
    # an employee who leaves the roster: the link stops working
    third = slip(login, health.officer, health.zhang)
    Employee.objects.filter(pk=health.zhang.pk).update(active=False)
    assert Client().get(third).status_code == 404


def test_it_lets_only_the_own_health_officer_issue(cast, health, login):
    contact = enterprise_user("qiye_a2", cast.a)
    url = f"/health/roster/{health.zhang.pk}/link/"
    r = login(contact).post(url, {"action": "issue"})
    assert r.status_code == 302 and not Employee.objects.get(pk=health.zhang.pk).link_hash
    assert login(health.officer_b).post(url, {"action": "issue"}).status_code == 404
    assert login(cast.township).post(url, {"action": "issue"}).status_code == 404
    assert login(health.officer).get(url).status_code == 404  # a GET issues nothing
    assert not Employee.objects.get(pk=health.zhang.pk).link_hash
    page = login(contact).get(f"/health/roster/{health.zhang.pk}/").content.decode()
    assert 'id="declaration-link"' not in page
    with pytest.raises(PermissionError):
        services.issue_link(contact, health.zhang)


def test_it_refuses_the_contact_declaring_for_an_employee(cast, health, login):
    """The attack: the enterprise contact reads the masked roster (name, last four digits of
    the ID number and phone) and tries every way in to declare for 张小三."""
    services.issue_link(health.officer, health.zhang)  # zhang holds a link the contact never saw
    contact = login(enterprise_user("qiye_a2", cast.a))
    roster = contact.get("/health/roster/").content.decode()
    digits_id, digits_phone = id_card(271)[-4:], "1234"
    assert digits_id in roster and f"****{digits_phone}" in roster
    code = services.declaration_code(cast.a)
    attacker = Client()
    attacker.get(f"/d/{code}/")
    for digits in (digits_id, digits_phone):  # the old name + last-four path
        for action in ("identify", "declare"):
            r = attacker.post(
                f"/d/{code}/", {"action": action, "name": "张小三", "digits": digits, **FORM}
            )
            assert r.status_code == 200 and 'id="declaration-form"' not in r.content.decode()
    for guess in (f"{cast.a.pk}.{digits_id}", f"{cast.a.pk}.{digits_id * 5}", str(health.zhang.pk)):
        assert attacker.post(personal_path(guess), FORM).status_code == 404
    # logged in, the contact's own session does not help either
    contact.post(
        f"/d/{code}/", {"action": "declare", "name": "张小三", "digits": digits_id, **FORM}
    )
    assert not Declaration.objects.exists()


def test_it_rate_limits_the_personal_link(cast, health):
    settings_limit = security.RATE_LIMITS["declare"]
    security.RATE_LIMITS["declare"] = 3
    try:
        path = personal_path(services.issue_link(health.officer, health.zhang))
        client = Client()
        assert [client.get(path).status_code for _ in range(4)] == [200, 200, 200, 429]
        assert client.post(path, FORM).status_code == 429 and not Declaration.objects.exists()
    finally:
        security.RATE_LIMITS["declare"] = settings_limit


class Gateway(BaseHTTPRequestHandler):
    """Answers like Aliyun's SendSms and keeps what it was asked."""

    asked: list = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.asked.append(parse_qs(self.rfile.read(length).decode()))
        body = json.dumps({"Code": "OK", "Message": "OK", "BizId": "1", "RequestId": "r"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Gateway.asked = []
    settings.FUGONG_SMS = {
        "provider": "aliyun",
        "endpoint": f"http://127.0.0.1:{server.server_port}/",
        "access_key_id": "id",
        "access_key_secret": "secret",
        "sign_name": "复工专班",
        "templates": {"declaration_link": "SMS_100000001"},
    }
    yield Gateway
    server.shutdown()


def test_it_texts_the_link_where_a_gateway_is_configured(cast, health, login, settings, gateway):
    url = f"/health/roster/{health.zhang.pk}/link/"
    configured, settings.FUGONG_SMS = settings.FUGONG_SMS, {}
    page = login(health.officer).get(f"/health/roster/{health.zhang.pk}/").content.decode()
    assert 'value="sms"' not in page
    login(health.officer).post(url, {"action": "sms"})
    assert not Delivery.objects.exists() and not Employee.objects.get(pk=health.zhang.pk).link_hash
    settings.FUGONG_SMS = configured
    page = login(health.officer).get(f"/health/roster/{health.zhang.pk}/").content.decode()
    assert 'value="sms"' in page
    assert login(health.officer).post(url, {"action": "sms"}).status_code == 302
    message = Delivery.objects.get(channel=Delivery.Channel.SMS)
    assert message.address == "13904331234" and message.template == "declaration_link"
    path = urlparse(message.params["url"]).path
    assert Client().get(path).status_code == 200
    send_delivery(message.pk)  # the outbox's task, against the local gateway
    [asked] = gateway.asked
    assert asked["PhoneNumbers"] == ["13904331234"] and asked["TemplateCode"] == ["SMS_100000001"]
    assert json.loads(asked["TemplateParam"][0])["url"] == message.params["url"]
    assert AuditLog.objects.filter(action="send_link").count() == 1
    # 李四 has no phone: nothing issued, a clear message
    r = login(health.officer).post(f"/health/roster/{health.li.pk}/link/", {"action": "sms"})
    assert r.status_code == 302 and not Employee.objects.get(pk=health.li.pk).link_hash
