"""Group bots as they really are, against local servers that behave like DingTalk, WeCom and
Feishu custom bots (tests/fakes.py): signing, refusals with HTTP 200 and an error code,
transient and permanent failures, the shared rate limit under a burst, the test command, the
failing bots shown to administrators, and the units import's bot columns."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from fugong.cli import main
from fugong.core import bots, services
from fugong.core.excel import IMPORTERS
from fugong.core.imports import export_units
from fugong.core.models import Delivery, Unit

from .fakes import FakeBot
from .xlsx import xlsx

SECRET = "SEC3f9a1c0e5b7d42a8f6e0c1b2d3a4f5e6b7c8d9e0f1a2b3c4d5e6f708192a3b4c"


@pytest.fixture
def fake():
    made = []

    def make(kind, **options):
        made.append(FakeBot(kind, **options))
        return made[-1]

    yield make
    for server in made:
        server.close()


def bot_unit(cast, server, secret=""):
    unit = cast.units.cc_yanbian
    unit.webhook_kind, unit.webhook_url, unit.webhook_secret = server.kind, server.url, secret
    unit.save()
    return unit


def send(message, now=None):
    """What the task queue does with one outbox message: run it, retry what raised."""
    try:
        return services.send_delivery(message.pk, now)
    except OSError:
        return None


def test_it_stores_the_bot_secret_encrypted(cast):
    server_url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    unit = cast.units.cc_yanbian
    unit.webhook_kind, unit.webhook_url, unit.webhook_secret = "dingtalk", server_url, SECRET
    unit.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_secret FROM core_unit WHERE id = %s", [unit.pk])
        stored = cursor.fetchone()[0]
    assert stored and SECRET not in stored
    assert Unit.objects.get(pk=unit.pk).webhook_secret == SECRET


def test_it_signs_dingtalk_in_the_url_and_mentions_phones(cast, fake):
    server = fake("dingtalk", secret=SECRET, keyword="复工")
    unit = bot_unit(cast, server, SECRET)
    message = bots.queue(unit, "复工日报提醒", "请于 12:00 前填报", mentions=["13900001111"])
    assert send(message) is True
    message.refresh_from_db()
    assert message.status == "sent" and '"errcode": 0' in message.response
    [payload] = server.accepted
    assert payload["msgtype"] == "markdown"
    assert payload["at"] == {"atMobiles": ["13900001111"], "isAtAll": False}
    assert "@13900001111" in payload["markdown"]["text"]


def test_it_signs_feishu_in_the_body_as_a_markdown_card(cast, fake):
    server = fake("feishu", secret=SECRET)
    unit = bot_unit(cast, server, SECRET)
    message = bots.queue(unit, "未报企业", "**3 家**未报", mentions=["13900001111"])
    assert send(message) is True
    [payload] = server.accepted
    assert payload["msg_type"] == "interactive" and payload["timestamp"].isdigit()
    content = payload["card"]["elements"][0]["text"]
    assert content["tag"] == "lark_md" and "**3 家**未报" in content["content"]
    assert "13900001111" in content["content"]  # named: Feishu bots cannot @ by phone


def test_it_posts_markdown_to_wecom_and_text_when_mentioning(cast, fake):
    server = fake("wecom")
    unit = bot_unit(cast, server)
    assert send(bots.queue(unit, "日报", "已报 **3** 家")) is True
    assert send(bots.queue(unit, "提醒", "请填报", mentions=["13900001111"])) is True
    markdown, text = server.accepted
    assert markdown["markdown"]["content"] == "**日报**\n已报 **3** 家"
    assert text["text"]["mentioned_mobile_list"] == ["13900001111"]


@pytest.mark.parametrize(
    "kind, bot_options, unit_secret, code, words",
    [
        ("dingtalk", {"secret": SECRET}, "SECwrong", "310000", "sign not match"),
        ("dingtalk", {"secret": SECRET}, "", "310000", "sign not match"),
        ("dingtalk", {"keyword": "疫情"}, "", "310000", "keywords not in content"),
        ("dingtalk", {"removed": True}, "", "300005", "token is not exist"),
        ("feishu", {"secret": SECRET}, "SECwrong", "19021", "sign match fail"),
        ("feishu", {"secret": SECRET}, "", "19021", "sign match fail"),
        ("feishu", {"keyword": "疫情"}, "", "19024", "Key Words Not Found"),
        ("wecom", {"removed": True}, "", "93000", "invalid webhook url"),
        ("feishu", {"removed": True}, "", "19001", "access token invalid"),
    ],
)
def test_it_records_a_refusal_as_a_permanent_failure(
    cast, fake, kind, bot_options, unit_secret, code, words
):
    options = dict(bot_options)
    removed = options.pop("removed", False)
    server = fake(kind, **options)
    server.removed = removed  # the bot was removed from its group
    unit = bot_unit(cast, server, unit_secret)
    message = bots.queue(unit, "复工日报提醒", "请填报")
    assert services.send_delivery(message.pk) is False  # not raised: no retry
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert code in message.last_error and words in message.last_error
    assert words in message.response  # the bot's own answer
    assert server.accepted == [] and server.answers  # it answered, with HTTP 200
    assert list(bots.failing_units()) == [unit]


@pytest.mark.parametrize("kind, code", [("dingtalk", "-1"), ("wecom", "-1"), ("feishu", "9999")])
def test_it_retries_a_busy_bot_and_sends_later(cast, fake, kind, code):
    server = fake(kind, secret=SECRET if kind != "wecom" else "")
    unit = bot_unit(cast, server, SECRET if kind != "wecom" else "")
    server.busy = 1
    message = bots.queue(unit, "提醒", "请填报")
    with pytest.raises(bots.BotError) as raised:
        services.send_delivery(message.pk)
    assert not raised.value.permanent
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1) and code in message.last_error
    assert services.send_delivery(message.pk) is True  # the queue's retry
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2) and len(server.accepted) == 1


def test_it_respects_the_rate_limit_under_a_burst_of_100(cast, fake):
    """100 messages at once to one DingTalk bot that allows 20 a minute: they go out merged,
    at most 20 posts in any minute, every message exactly once, none refused."""
    server = fake("dingtalk", secret=SECRET, keyword="复工")
    unit = bot_unit(cast, server, SECRET)
    start = timezone.now()
    clock = [start.timestamp()]
    server.clock = lambda: clock[0]
    texts = [f"复工提醒 第{i:03d}号：" + "企业未填报日报，请尽快处理。" * 100 for i in range(100)]
    messages = [bots.queue(unit, f"提醒 {i:03d}", texts[i]) for i in range(100)]
    for minute in range(4):
        now = start + datetime.timedelta(seconds=70 * minute)
        clock[0] = now.timestamp()
        for m in Delivery.objects.filter(status="pending").order_by("id"):
            send(m, now)
    assert Delivery.objects.filter(status="sent").count() == 100
    shown = "\n".join(FakeBot.text_of(p) for p in server.accepted)
    assert all(shown.count(f"第{i:03d}号") == 1 for i in range(100))  # nothing lost or doubled
    assert all(a["errcode"] == 0 for a in server.answers)  # the bot never had to refuse
    assert 20 < len(server.accepted) < 100 and server.max_in_a_minute() <= 20
    carriers = Delivery.objects.filter(merged_into__isnull=True).count()
    assert carriers == len(server.accepted)  # the rest were carried merged
    assert messages[1].pk in Delivery.objects.filter(merged_into=messages[0]).values_list(
        "pk", flat=True
    )


def test_it_sends_each_message_on_its_own_while_the_bot_has_room(cast, fake):
    server = fake("wecom")
    unit = bot_unit(cast, server)
    waiting = [bots.queue(unit, f"提醒 {i}", f"第{i}号") for i in range(5)]
    assert [send(m) for m in waiting] == [True] * 5
    assert len(server.accepted) == 5 and not Delivery.objects.filter(merged_into__isnull=False)


def test_it_marks_nothing_sent_that_the_bot_refused(cast, fake, settings):
    """Our limit set above the bot's: the bot refuses with its rate-limit code; that message
    and the rest wait (no attempt spent) and go out in the bot's next windows; only what it
    accepted is ever marked sent."""
    settings.FUGONG_BOTS = {"per_minute": 50}
    server = fake("wecom", per_minute=5)
    unit = bot_unit(cast, server)
    now = timezone.now()
    server.clock = lambda: now.timestamp()
    for i in range(30):
        bots.queue(unit, f"提醒 {i:02d}", f"第{i:02d}号" + "未填报" * 300)
    for m in Delivery.objects.order_by("id"):
        send(m, now)
    assert [a["errcode"] for a in server.answers] == [0] * 5 + [45009]  # then we waited
    sent = Delivery.objects.filter(status="sent")
    shown = "\n".join(FakeBot.text_of(p) for p in server.accepted)
    marks = {m.body[:4]: m.status for m in Delivery.objects.all()}
    assert all((mark in shown) == (status == "sent") for mark, status in marks.items())
    assert sent.count() == len(server.accepted) == 5
    waiting = Delivery.objects.filter(status="pending")
    assert waiting.count() == 25 and not waiting.filter(attempts__gt=0).exists()
    assert "45009" in waiting.order_by("id").first().last_error  # the bot's answer, recorded
    for _minute in range(6):
        now += datetime.timedelta(seconds=70)
        for m in Delivery.objects.filter(status="pending").order_by("id"):
            send(m, now)
    assert Delivery.objects.filter(status="sent").count() == 30
    assert not Delivery.objects.filter(attempts__gt=1).exists()


def test_a_refusal_of_the_bot_fails_what_was_merged_and_of_one_text_only_that_one(
    cast, fake, settings
):
    settings.FUGONG_BOTS = {"per_minute": 2}  # more waiting than the bot takes: merged
    server = fake("dingtalk", secret=SECRET)
    unit = bot_unit(cast, server, SECRET)
    server.forbidden = "违规词"
    bad, *rest = [bots.queue(unit, f"提醒{i}", t) for i, t in enumerate(["违规词", "乙", "丙"])]
    assert services.send_delivery(bad.pk) is False  # one post carried all three: refused
    assert [m.status for m in Delivery.objects.order_by("id")] == ["failed", "pending", "pending"]
    assert services.send_delivery(rest[0].pk) is True  # the other two, merged, go out
    assert Delivery.objects.filter(status="sent").count() == 2 and len(server.accepted) == 1

    server.removed = True
    for i in range(3):
        bots.queue(unit, f"通知{i}", "内容")
    first = Delivery.objects.filter(status="pending").order_by("id").first()
    later = timezone.now() + datetime.timedelta(seconds=70)
    assert services.send_delivery(first.pk, later) is False
    failed = Delivery.objects.filter(title__startswith="通知")
    assert all(m.status == "failed" and "300005" in m.last_error for m in failed)
    assert len(server.answers) == 3  # the removed bot was asked once


def test_bots_test_command_prints_the_answer_and_exits_1_when_refused(cast, fake):
    server = fake("dingtalk", secret=SECRET, keyword="复工")
    unit = bot_unit(cast, server, SECRET)
    out = io.StringIO()
    call_command("bots", "test", unit.code, stdout=out)
    assert '"errcode": 0' in out.getvalue() and len(server.accepted) == 1
    unit.webhook_secret = "SECwrong"
    unit.save()
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("bots", "test", unit.code, stdout=out)
    assert "310000" in out.getvalue() and "sign not match" in str(refused.value)
    with pytest.raises(CommandError):
        call_command("bots", "test", "no-such-unit")
    # last: the console entry point closes the database connections when it exits
    with pytest.raises(SystemExit) as exited:
        main(["bots", "test", unit.code])
    assert exited.value.code == 1


def test_failing_bots_are_shown_to_administrators(cast, fake, client):
    server = fake("wecom")
    unit = bot_unit(cast, server)
    server.removed = True
    services.send_delivery(bots.queue(unit, "提醒", "请填报").pk)
    client.force_login(cast.admin)
    page = client.get("/admin/core/unit/?bot=failing").content.decode()
    assert unit.code in page and cast.units.cc_yanji.code not in page
    outbox = client.get("/admin/core/delivery/?status=failed").content.decode()
    assert "93000" in outbox
    out = io.StringIO()
    call_command("bots", "failing", stdout=out)
    assert unit.code in out.getvalue() and "93000" in out.getvalue()


def test_the_units_import_takes_the_bot_columns(cast):
    header = [
        "单位编码",
        "单位名称",
        "类型",
        "行政区划代码",
        "群机器人类型",
        "群机器人地址",
        "群机器人密钥",
    ]
    url = "https://oapi.dingtalk.com/robot/send?access_token=x"
    good = ["222400-zb", "延边州专班", "专班", "222400", "钉钉", url, SECRET]
    bad = ["222401-zb", "延吉市专班", "专班", "222401", "企业微信", url, "SECabc"]
    report = IMPORTERS["units"](cast.admin).run(xlsx(header, [good, bad]), skip_bad=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "群机器人密钥")]
    unit = Unit.objects.get(code="222400-zb")
    assert (unit.webhook_kind, unit.webhook_url, unit.webhook_secret) == ("dingtalk", url, SECRET)
    again = ["222400-zb", "延边州专班", "专班", "222400", "钉钉", url, ""]
    IMPORTERS["units"](cast.admin).run(xlsx(header, [again]))
    assert Unit.objects.get(code="222400-zb").webhook_secret == SECRET  # blank keeps it
    exported = export_units(cast.admin)
    assert SECRET.encode() not in exported  # never exported


def test_it_counts_one_limit_for_concurrent_senders():
    """Eight workers sending at once to one bot: exactly the limit gets through in the window
    (the counters are in the shared cache: Redis in CI, so processes count together)."""
    from concurrent.futures import ThreadPoolExecutor

    url, now = "https://oapi.dingtalk.com/robot/send?access_token=burst", 1_800_000_000.0
    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda _i: bots.acquire(url, now), range(80)))
    assert waits.count(0.0) == 20 and all(w > 0 for w in waits if w)
    assert bots.acquire(url, now + 59) > 0  # still the same minute
    assert bots.acquire(url, now + 70) == 0.0  # the window has moved on


def test_the_admin_never_shows_the_secret_and_a_blank_keeps_it(cast, client):
    unit = cast.units.cc_yanbian
    unit.webhook_kind, unit.webhook_secret = "dingtalk", SECRET
    unit.webhook_url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    unit.save()
    client.force_login(cast.admin)
    url = f"/admin/core/unit/{unit.pk}/change/"
    assert SECRET not in client.get(url).content.decode()
    form = {
        "code": unit.code,
        "name": "延边州专班（改）",
        "kind": unit.kind,
        "sector": "",
        "region": unit.region_id,
        "parent": "",
        "phone": "",
        "webhook_kind": "dingtalk",
        "webhook_url": unit.webhook_url,
        "webhook_secret": "",
    }
    assert client.post(url, form).status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.webhook_secret) == ("延边州专班（改）", SECRET)
    client.post(url, {**form, "webhook_secret": "SECnew"})
    unit.refresh_from_db()
    assert unit.webhook_secret == "SECnew"
