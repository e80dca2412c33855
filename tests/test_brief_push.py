"""The daily brief pushed to leaders who opt in, at their time, each in their own scope: the
unit's group bot gets the key figures and a link, the e-mail the PDF."""

import datetime

import pytest
import time_machine
from django.core import mail

from fugong.core.models import Campaign, Delivery
from fugong.core.permissions import SYSTEM
from fugong.dashboard import push, tasks
from fugong.dashboard.models import BriefSubscription
from fugong.reporting.services import submit_report

from . import clock
from .clock import moment

D = datetime.date(2026, 3, 2)


def at(hour, minute=0):
    return moment(datetime.date(2026, 3, 3), hour, minute)


@pytest.fixture
def leaders(cast, bot):
    url, _received = bot
    for unit in (cast.units.cc_yanji, cast.units.cc_yanbian):
        unit.webhook_kind, unit.webhook_url = "wecom", f"{url}/cgi-bin/webhook/send?key={unit.pk}"
        unit.save()
    for user in (cast.yanji, cast.zhuanban):
        user.email = f"{user.username}@example.cn"
        user.save()
    Campaign.objects.create(name="本轮", region=cast.regions.yanbian, starts_on=D)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=clock.SHANGHAI), tick=False):
        submit_report(cast.contact_a, cast.a, D, {"status": "full", "staff_on_duty": 5})
        submit_report(cast.contact_b, cast.b, D, {"status": "full", "staff_on_duty": 5})
        submit_report(SYSTEM, cast.a2, D, {"status": "not_resumed"})
    return cast


def test_a_leader_opts_in_and_out_on_the_page(leaders, login):
    page = login(leaders.yanji).post(
        "/stats/brief/push/", {"send_at": "08:00", "by_bot": "on", "by_email": "on"}
    )
    assert page.status_code == 302
    subscription = BriefSubscription.objects.get(user=leaders.yanji)
    assert subscription.send_at == datetime.time(8, 0) and subscription.by_email
    login(leaders.yanji).post("/stats/brief/push/", {"stop": "1"})
    assert not BriefSubscription.objects.filter(user=leaders.yanji).exists()
    assert login(leaders.contact_a).get("/stats/brief/push/").status_code == 403
    assert login(leaders.commissioner).get("/stats/brief/push/").status_code == 403


def test_each_leader_gets_the_brief_of_their_own_scope_once_a_day(leaders):
    BriefSubscription.objects.create(user=leaders.yanji, send_at=datetime.time(8, 0))
    BriefSubscription.objects.create(
        user=leaders.zhuanban, send_at=datetime.time(9, 0), by_email=False
    )
    with time_machine.travel(at(7, 59), tick=False):
        assert push.briefs_due() == []
    with time_machine.travel(at(8, 5), tick=False):
        assert tasks.push_daily_briefs.call_local() == [leaders.yanji.pk]
        assert push.briefs_due() == []  # once a day
    with time_machine.travel(at(9, 1), tick=False):
        assert push.briefs_due() == [leaders.zhuanban.pk]
    posts = {d.address: d for d in Delivery.objects.filter(channel="webhook")}
    county = posts[leaders.units.cc_yanji.webhook_url]
    city = posts[leaders.units.cc_yanbian.webhook_url]
    assert "延吉市纳入统计企业 2 家，已复工 1 家" in county.body  # 延吉's scope: 甲 and 乙
    assert "延边朝鲜族自治州纳入统计企业 3 家，已复工 2 家" in city.body
    assert "/stats/brief.pdf?region=222401&date=2026-03-02" in county.body
    assert "街镇已审核 0 家" in county.body
    [email] = mail.outbox  # 专班 asked for the bot only
    assert email.to == ["yanji@example.cn"] and "延吉市" in email.subject
    name, content, kind = email.attachments[0]
    assert kind == "application/pdf" and content.startswith(b"%PDF")
