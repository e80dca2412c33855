"""Targeted reminders with the clock moved: pending before the deadline and overdue after it,
only to enterprises that have not reported, at the campaign's times, through in-app, e-mail,
SMS (a local server like Aliyun's) and the township's group bot with @mentions (a local bot);
the township and the command centre get who is missing."""

import datetime
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError

from fugong.core import services as core_services
from fugong.core.models import Campaign, Delivery, Notification
from fugong.core.permissions import SYSTEM
from fugong.reporting import reminders, tasks
from fugong.reporting.models import ReminderRun
from fugong.reporting.services import submit_report

from . import clock, test_sms
from .clock import moment

gateway = test_sms.gateway  # the local server that behaves like Aliyun's SendSms
D = datetime.date(2026, 3, 2)


def at(hour, minute=0):
    return moment(D, hour, minute)


@pytest.fixture
def campaign(cast, bot):
    url, _received = bot
    township = cast.units.jinxue
    township.webhook_kind, township.webhook_url = "wecom", url + "/cgi-bin/webhook/send?key=k"
    township.save()
    cast.contact_a.email = "qiye_a@example.cn"
    cast.contact_a.save()
    cast.a2.contact_phone = "13904330002"
    cast.a2.save()
    return Campaign.objects.create(
        name="本轮",
        region=cast.regions.yanbian,
        starts_on=D,
        report_due_time=datetime.time(12, 0),
        reminder_times=["10:00", "14:00"],
        reminder_channels=["app", "email", "sms", "bot"],
    )


def sent(channel):
    return Delivery.objects.filter(channel=channel).order_by("pk")


def test_pending_then_overdue_reach_only_the_missing(cast, campaign, gateway, bot):
    with time_machine.travel(at(9), tick=False):
        submit_report(cast.contact_b, cast.b, D, {"status": "full", "staff_on_duty": 5})
        assert reminders.reminders_due() == []  # no time has come yet
    with time_machine.travel(at(10, 5), tick=False):
        [pending] = reminders.reminders_due()
        assert reminders.reminders_due() == []  # each time once
    assert (pending["kind"], pending["enterprises"], pending["people"]) == ("pending", 2, 1)
    reminded = Notification.objects.filter(kind="report_reminder")
    assert [n.user for n in reminded] == [cast.contact_a]  # 图们丙 reported: not reminded
    assert "请于 03-02 12:00 前填报" in reminded[0].title
    [email] = sent("email")
    assert email.address == "qiye_a@example.cn"
    texts = sent("sms")
    assert [(t.address, t.template) for t in texts] == [
        ("13904330001", "report_pending"),
        ("13904330002", "report_pending"),
    ]
    [post] = sent("webhook")  # 进学街道's bot: 延吉甲, its contact @mentioned
    assert post.mentions == ["13904330001"] and cast.a.name in post.body
    assert core_services.send_delivery(post.pk) is True
    _path, payload = bot[1][-1]
    assert payload["text"]["mentioned_mobile_list"] == ["13904330001"]
    assert core_services.send_delivery(texts[0].pk) is True
    assert gateway.sent[0][:2] == ("13904330001", "SMS_465900001")
    summaries = Notification.objects.filter(kind="report_missing_pending")
    assert {n.user.username for n in summaries} == {"jinxue", "zhuanban"}
    centre = summaries.get(user=cast.zhuanban)
    assert "全域 2 家未报" in centre.title and "进学街道办事处：1 家" in centre.body

    with time_machine.travel(at(13), tick=False):
        submit_report(cast.contact_a, cast.a, D, {"status": "full", "staff_on_duty": 5})
    with time_machine.travel(at(14, 20), tick=False):
        assert tasks.remind_missing_reports.call_local() == 0  # no account left to remind
    [overdue] = ReminderRun.objects.filter(kind="overdue")
    assert (overdue.missing, overdue.at) == (1, datetime.time(14, 0))
    late = sent("sms").filter(template="report_overdue")
    assert [t.address for t in late] == ["13904330002"]  # only 延吉乙 is still missing
    assert json.loads(late[0].body) == {"name": cast.a2.name[:20], "day": "2026-03-02"}
    assert sent("webhook").count() == 1  # 进学街道 has nobody missing any more


def test_reminders_follow_the_data_day_and_the_due_weekdays(cast, campaign):
    campaign.report_data_day, campaign.report_weekdays = "previous", [1, 2, 3, 4, 5]
    campaign.reminder_channels = ["app"]
    campaign.save()
    tuesday = datetime.datetime(2026, 3, 3, 10, 30, tzinfo=clock.SHANGHAI)
    with time_machine.travel(tuesday, tick=False):
        submit_report(SYSTEM, cast.a2, D, {"status": "full", "staff_on_duty": 5})
        [run] = reminders.reminders_due()
    assert (run["day"], run["enterprises"]) == ("2026-03-02", 2)  # Monday's reports, due Tuesday
    sunday = datetime.datetime(2026, 3, 9, 10, 30, tzinfo=clock.SHANGHAI)  # for Saturday: not due
    with time_machine.travel(sunday, tick=False):
        assert reminders.reminders_due() == []


def test_bad_reminder_settings_are_field_errors(cast, campaign):
    campaign.reminder_times, campaign.reminder_channels = ["25:00"], ["fax"]
    with pytest.raises(ValidationError) as refused:
        campaign.full_clean()
    assert {"reminder_times", "reminder_channels"} <= set(refused.value.message_dict)
