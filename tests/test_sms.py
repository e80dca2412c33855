"""SMS through the Aliyun gateway against a local server that behaves like Aliyun's SendSms
(tests/fakes.py): signed requests, approved signature and templates, per-phone limits ours
and the provider's, transient and permanent refusals."""

import datetime

import pytest
from django.utils import timezone

from fugong.core import services, sms
from fugong.core.models import Delivery

from .fakes import FakeAliyunSms

PHONE = "13900001111"


@pytest.fixture
def gateway(settings):
    server = FakeAliyunSms()
    settings.FUGONG_SMS = {
        "provider": "aliyun",
        "endpoint": server.url,
        "access_key_id": server.key_id,
        "access_key_secret": server.secret,
        "sign_name": "复工专班",
        "templates": {"report_pending": "SMS_465900001", "report_overdue": "SMS_465900002"},
        "per_phone": [(1, 60), (5, 3600), (10, 86400)],
    }
    yield server
    server.close()


def test_it_sends_an_approved_template_signed_as_aliyun_requires(db, gateway):
    message = sms.queue(PHONE, "report_pending", {"name": "延吉恒达", "day": "2026-12-01"})
    assert services.send_delivery(message.pk) is True
    message.refresh_from_db()
    assert message.status == "sent" and '"Code": "OK"' in message.response
    assert gateway.sent == [(PHONE, "SMS_465900001", {"name": "延吉恒达", "day": "2026-12-01"})]


@pytest.mark.parametrize(
    "change, template, params, code",
    [
        (
            {"access_key_secret": "wrong"},
            "report_pending",
            {"name": "a", "day": "b"},
            "SignatureDoesNotMatch",
        ),
        (
            {"access_key_id": "LTAIother"},
            "report_pending",
            {"name": "a", "day": "b"},
            "InvalidAccessKeyId",
        ),
        (
            {"sign_name": "未审核的签名"},
            "report_pending",
            {"name": "a", "day": "b"},
            "isv.SMS_SIGNATURE_ILLEGAL",
        ),
        ({}, "report_pending", {"name": "a"}, "isv.TEMPLATE_MISSING_PARAMETERS"),
        (
            {"templates": {"report_pending": "SMS_1"}},
            "report_pending",
            {"name": "a"},
            "isv.SMS_TEMPLATE_ILLEGAL",
        ),
        ({}, "no_such_template", {"name": "a"}, "no approved template"),
    ],
)
def test_it_fails_for_good_on_what_the_provider_refuses(
    db, gateway, settings, change, template, params, code
):
    settings.FUGONG_SMS = {**settings.FUGONG_SMS, **change}
    message = sms.queue(PHONE, template, params)
    assert services.send_delivery(message.pk) is False  # no retry
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1) and code in message.last_error
    assert gateway.sent == []


def test_it_retries_a_provider_error_and_sends_later(db, gateway):
    gateway.busy = 1
    message = sms.queue(PHONE, "report_overdue", {"name": "延吉恒达"})
    with pytest.raises(sms.SmsError):
        services.send_delivery(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert "isp.SYSTEM_ERROR" in message.last_error
    assert services.send_delivery(message.pk) is True
    assert len(gateway.sent) == 1


def test_it_keeps_per_phone_limits_before_asking_the_provider(db, gateway, settings):
    settings.FUGONG_SMS = {**settings.FUGONG_SMS, "per_phone": [(1, 60), (2, 86400)]}
    now = timezone.now().replace(hour=9, minute=0)
    clock = [now.timestamp()]
    gateway.clock = lambda: clock[0]
    first, second, third = (
        sms.queue(PHONE, "report_overdue", {"name": f"企业{i}"}) for i in range(3)
    )
    assert services.send_delivery(first.pk, now) is True
    assert services.send_delivery(second.pk, now) is False  # waits for the minute
    second.refresh_from_db()
    assert (second.status, second.attempts) == ("pending", 0)
    assert len(gateway.sent) == 1  # the provider was not asked
    later = now + datetime.timedelta(seconds=61)
    clock[0] = later.timestamp()
    assert services.send_delivery(second.pk, later) is True
    # the day's limit: not waited for until tomorrow, failed
    assert services.send_delivery(third.pk, later + datetime.timedelta(seconds=61)) is False
    third.refresh_from_db()
    assert third.status == "failed" and "per-phone limit" in third.last_error
    assert [p["name"] for _phone, _code, p in gateway.sent] == ["企业0", "企业1"]


def test_the_providers_flow_control_is_retried(db, gateway, settings):
    settings.FUGONG_SMS = {**settings.FUGONG_SMS, "per_phone": []}  # only the provider's
    a, b = (sms.queue(PHONE, "report_overdue", {"name": n}) for n in ("甲", "乙"))
    assert services.send_delivery(a.pk) is True
    with pytest.raises(sms.SmsError) as raised:
        services.send_delivery(b.pk)
    assert not raised.value.permanent and "isv.BUSINESS_LIMIT_CONTROL" in str(raised.value)
    b.refresh_from_db()
    assert b.status == "pending" and len(gateway.sent) == 1


def test_only_mobiles_are_queued_and_the_log_gateway_needs_no_provider(db, settings):
    assert sms.queue("0433-2512345", "report_pending", {}) is None
    settings.FUGONG_SMS = {"provider": "log", "templates": {"report_pending": "SMS_1"}}
    message = sms.queue("+86 139 0000 1111", "report_pending", {"name": "x"})
    assert message.address == PHONE
    assert services.send_delivery(message.pk) is True
    assert Delivery.objects.get(pk=message.pk).response == "logged"


def test_it_percent_encodes_as_aliyun_does():
    assert sms.percent("a b*c~/中") == "a%20b%2Ac~%2F%E4%B8%AD"
