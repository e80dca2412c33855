"""The rest of the work-order loop: every step announced in-app, by e-mail (to a real SMTP
server on loopback) and on the unit's group bot (a local HTTP server), through the outbox with
retries; deadline reminders and auto-close with the clock moved; attachments checked by their
content; the commissioner's channels and page; the kanban; editing a common problem; and the
dashboard's work-order figures, all in scope."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fugong.core import services as core_services
from fugong.core.models import Attachment, Delivery, Notification
from fugong.core.templatetags.fugong import cn_quantity, hours
from fugong.registry.services import log_visit
from fugong.workorders import services
from fugong.workorders.models import Event, WorkOrder

TODAY = timezone.localdate()


def order(cast, campaign, text="货车进不了城，原料运不进来", enterprise=None, **kw):
    if enterprise is None:
        return services.create_order(cast.contact_a, campaign, cast.a, text, "h5", **kw)
    return services.create_order(cast.yanji, campaign, enterprise, text, "hotline", **kw)


def dispatched(cast, campaign, unit, **kw):
    o = order(cast, campaign, **kw)
    return services.transition(cast.yanji, o, "dispatch", o.version, unit=unit)


def png_bytes():
    """A real 1×1 PNG."""
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
    )


# --- notifications through the outbox --------------------------------------------------


def test_a_dispatch_reaches_the_unit_in_app_by_mail_and_on_its_group_bot(
    cast, campaign, transport, bot, smtp
):
    unit, officer = transport
    url, received = bot
    officer.email = "jtj@yanji.gov.cn"
    officer.save()
    unit.webhook_kind, unit.webhook_url = "wecom", url + "/cgi-bin/webhook/send?key=k"
    unit.save()
    o = dispatched(cast, campaign, unit)
    assert Notification.objects.filter(user=officer, kind="workorder").count() == 1
    deliveries = list(Delivery.objects.order_by("channel"))
    assert [(d.channel, d.address, d.status) for d in deliveries] == [
        ("email", "jtj@yanji.gov.cn", "pending"),
        ("webhook", unit.webhook_url, "pending"),
    ]
    for d in deliveries:
        assert core_services.send_delivery(d.pk) is True
    assert len(smtp) == 1 and smtp[0]["To"] == "jtj@yanji.gov.cn"
    mail_body = smtp[0].get_payload(decode=True).decode()
    assert f"/workorders/{o.pk}/" in mail_body and "货车进不了城" in mail_body
    assert f"#{o.pk}" in received[0][1]["markdown"]["content"]
    # sent means sent: a second task for the same message does nothing
    assert core_services.send_delivery(deliveries[1].pk) is False
    assert len(received) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_the_enterprise_hears_of_each_step_and_the_dispatcher_of_a_return(
    cast, campaign, transport
):
    unit, officer = transport
    cast.contact_a.email = "qiye@example.cn"
    cast.contact_a.save()
    o = dispatched(cast, campaign, unit)
    o = services.transition(
        officer, o, "return", o.version, reason="duplicate", comment="与另一工单重复"
    )
    assert Notification.objects.filter(user=cast.yanji, title__contains="退单").exists()
    o = services.transition(
        cast.yanji, o, "rule_return", o.version, decision="reject", comment="不重复"
    )
    o = services.transition(officer, o, "sign", o.version)
    o = services.transition(officer, o, "resolve", o.version, comment="已开通绿色通道")
    titles = list(Notification.objects.filter(user=cast.contact_a).values_list("title", flat=True))
    assert any("签收" in t for t in titles) and any("办结" in t for t in titles)
    mails = Delivery.objects.filter(channel="email", address="qiye@example.cn")
    assert mails.count() == 2 and "已开通绿色通道" in mails.filter(title__contains="办结")[0].body
    services.transition(cast.contact_a, o, "close", o.version, rating=4)
    assert Notification.objects.filter(user=officer, title__contains="确认关闭").exists()


def test_a_failed_post_is_retried_and_given_up_after_the_limit(cast, campaign, transport, bot):
    unit, _officer = transport
    url, received = bot
    unit.webhook_kind, unit.webhook_url = "dingtalk", url
    unit.save()
    dispatched(cast, campaign, unit)
    d = Delivery.objects.get()
    from .conftest import Receiver

    Receiver.status = 500
    with pytest.raises(OSError):
        core_services.send_delivery(d.pk)
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("pending", 1) and "500" in d.last_error
    Receiver.status = 200
    assert core_services.send_delivery(d.pk) is True  # the queue's retry
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("sent", 2)
    assert len(received) == 2  # one refused, one accepted

    unit.webhook_url = "http://127.0.0.1:9/nothing-listens"
    unit.save()
    dispatched(cast, campaign, unit, text="另一个问题：缺少口罩")
    dead = Delivery.objects.get(status="pending")
    for _ in range(Delivery.MAX_ATTEMPTS - 1):
        with pytest.raises(OSError):
            core_services.send_delivery(dead.pk)
    assert core_services.send_delivery(dead.pk) is False  # the last attempt gives up
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == ("failed", Delivery.MAX_ATTEMPTS)


def test_the_sweep_picks_up_what_a_dead_worker_left(cast, campaign, transport):
    unit, officer = transport
    officer.email = "jtj@yanji.gov.cn"
    officer.save()
    dispatched(cast, campaign, unit)
    d = Delivery.objects.get()
    later = timezone.now() + datetime.timedelta(minutes=30)
    # a worker claimed it and died before sending
    Delivery.objects.filter(pk=d.pk).update(status="sending", claimed_at=timezone.now())
    assert core_services.stale_deliveries(timezone.now()) == []  # still held: leave it
    assert core_services.stale_deliveries(later) == [d.pk]
    d.refresh_from_db()
    assert d.status == "pending"


def test_outbox_tasks_run_through_the_real_queue(transactional_db, cast, campaign, transport, bot):
    """The dispatch commits, the outbox's task is enqueued in the configured storage (SQLite
    file, or Redis in CI), and a worker's execution posts to the bot."""
    from huey.contrib.djhuey import HUEY

    unit, _officer = transport
    url, received = bot
    unit.webhook_kind, unit.webhook_url = "feishu", url
    unit.save()
    HUEY.flush()
    dispatched(cast, campaign, unit)
    assert HUEY.pending_count() == 1
    assert HUEY.execute(HUEY.dequeue()) is True
    assert "货车进不了城" in received[0][1]["card"]["elements"][0]["text"]["content"]
    assert Delivery.objects.get().status == "sent"
    HUEY.flush()


def test_the_new_periodic_jobs_are_declared():
    from huey.contrib.djhuey import HUEY

    from fugong.core import tasks as core_tasks  # noqa: F401  (the consumer autodiscovers)
    from fugong.workorders import tasks  # noqa: F401

    names = {t.__name__ for t in HUEY._registry._periodic_tasks}
    assert {"sweep_outbox", "remind_due_orders", "close_confirmed_by_silence"} <= names


# --- the clock: reminders and auto-close ------------------------------------------------


def test_units_are_reminded_once_before_the_deadline(cast, campaign, transport):
    unit, officer = transport
    o = dispatched(cast, campaign, unit)
    deadline = o.deadline
    assert services.remind_due_orders(deadline - datetime.timedelta(hours=30)) == []
    assert services.remind_due_orders(deadline - datetime.timedelta(hours=20)) == [o]
    assert services.remind_due_orders(deadline - datetime.timedelta(hours=2)) == []  # once
    assert Event.objects.filter(order=o, action="remind").count() == 1
    assert Notification.objects.filter(user=officer, title__contains="临期提醒").count() == 1
    # after an escalation the new deadline gets its own reminder
    services.escalate_overdue(deadline + datetime.timedelta(hours=1))
    o.refresh_from_db()
    assert o.unit == cast.units.cc_yanji and o.deadline > deadline
    assert services.remind_due_orders(o.deadline - datetime.timedelta(hours=1)) == [o]


def test_resolved_orders_close_when_the_enterprise_stays_silent(cast, campaign, transport):
    unit, officer = transport
    campaign.sla["workorder_autoclose_days"] = 3
    campaign.save()
    o = dispatched(cast, campaign, unit)
    o = services.transition(officer, o, "sign", o.version)
    o = services.transition(officer, o, "resolve", o.version)
    assert o.resolved_at is not None
    assert services.close_confirmed_by_silence(o.resolved_at + datetime.timedelta(days=2)) == []
    assert services.close_confirmed_by_silence(o.resolved_at + datetime.timedelta(days=4)) == [o]
    o.refresh_from_db()
    assert o.state == "closed"
    assert Event.objects.filter(order=o, action="autoclose").exists()
    assert services.close_confirmed_by_silence(o.resolved_at + datetime.timedelta(days=9)) == []


# --- attachments ------------------------------------------------------------------------


def test_photos_are_kept_and_only_the_scope_may_download_them(cast, campaign, login):
    c = login(cast.contact_a)
    photo = SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png")
    r = c.post("/problems/", {"text": "仓库门口积水，货进不来", "files": [photo]})
    assert r.status_code == 302
    o = WorkOrder.objects.get()
    att = Attachment.objects.get()
    assert (att.owner_type, att.owner_id, att.kind, att.name) == (
        "workorders.workorder",
        o.pk,
        "image",
        "现场.png",
    )
    assert c.get(f"/attachments/{att.pk}/").status_code == 200
    assert f"/attachments/{att.pk}/" in c.get(f"/workorders/{o.pk}/").content.decode()
    assert login(cast.yanji).get(f"/attachments/{att.pk}/").status_code == 200
    assert login(cast.tumen).get(f"/attachments/{att.pk}/").status_code == 404
    assert login(cast.contact_b).get(f"/attachments/{att.pk}/").status_code == 404


def test_a_renamed_executable_and_an_oversized_file_are_refused(cast, campaign, login, settings):
    c = login(cast.contact_a)
    exe = SimpleUploadedFile("方案.pdf", b"MZ\x90\x00\x03" + b"\x00" * 400, "application/pdf")
    r = c.post("/problems/", {"text": "附件测试", "files": [exe]})
    assert r.status_code == 200
    page = r.content.decode()
    assert "方案.pdf" in page and "application/x-msdownload" in page
    assert not WorkOrder.objects.exists() and not Attachment.objects.exists()

    settings.FUGONG_UPLOAD_MAX_BYTES = 1024
    big = SimpleUploadedFile("大图.png", png_bytes() + b"\x00" * 4096, "image/png")
    r = c.post("/problems/", {"text": "附件测试", "files": [big]})
    assert "超过上限" in r.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_200_mb_upload_is_refused_without_reading_it(cast, campaign):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from fugong.core.uploads import check_upload

    upload = TemporaryUploadedFile("plan.pdf", "application/pdf", 200 * 2**20, "utf-8")
    upload.write(b"%PDF-1.7\n")
    upload.file.truncate(200 * 2**20)  # sparse: 200 MB without writing them
    with pytest.raises(ValidationError, match="200.0 MB"):
        check_upload(upload)
    upload.close()


def test_office_and_pdf_files_pass_by_their_content():
    from openpyxl import Workbook

    from fugong.core.uploads import check_upload

    buf = io.BytesIO()
    Workbook().save(buf)
    assert check_upload(SimpleUploadedFile("名单.xlsx", buf.getvalue())) == "office"
    pdf = SimpleUploadedFile("plan.bin", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert check_upload(pdf) == "pdf"
    with pytest.raises(ValidationError, match="图片"):
        check_upload(pdf, kinds=("image",))


# --- other channels, the commissioner's page, the kanban, groups ------------------------


def test_a_visit_that_notes_problems_raises_an_order_on_the_enterprises_behalf(cast, campaign):
    visit = log_visit(
        cast.commissioner,
        cast.a2,
        visited_on=TODAY,
        observations="已复工，员工到岗八成",
        problems="缺少熟练工三十人",
    )
    o = WorkOrder.objects.get()
    assert (o.enterprise, o.channel, o.source, o.raised_by) == (
        cast.a2,
        "commissioner",
        f"visit:{visit.pk}",
        cast.commissioner,
    )
    log_visit(cast.commissioner, cast.a2, visited_on=TODAY, observations="一切正常")
    assert WorkOrder.objects.count() == 1


def test_a_hotline_operator_raises_a_problem_for_an_enterprise(cast, campaign, login):
    c = login(cast.township)
    r = c.post(
        f"/enterprises/{cast.a.pk}/problems/new/",
        {"text": "来电：天然气供应不足，锅炉停了", "caller": "王经理 13904330001", "masks": ""},
    )
    o = WorkOrder.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/workorders/{o.pk}/"
    assert (o.channel, o.raised_by, o.source) == ("hotline", cast.township, "王经理 13904330001")
    assert "代企业反映问题" in c.get(f"/enterprises/{cast.a.pk}/").content.decode()
    assert login(cast.tumen).get(f"/enterprises/{cast.a.pk}/problems/new/").status_code == 404
    assert login(cast.contact_a).get(f"/enterprises/{cast.a.pk}/problems/new/").status_code == 403


def test_the_commissioners_page_lists_assigned_enterprises_and_their_open_orders(
    cast, campaign, login
):
    mine = order(cast, campaign, "冷库电力增容审批慢", enterprise=cast.a2)
    order(cast, campaign, "别人的企业的问题")  # enterprise a: not assigned to him
    rows = login(cast.commissioner).get("/workorders/assigned/").context["rows"]
    assert [(e, orders) for e, orders, _v in rows] == [(cast.a2, [mine])]
    from .factories import UserFactory

    other = UserFactory(username="tepaiyuan2", role="commissioner")
    assert list(login(other).get("/workorders/assigned/").context["rows"]) == []


def test_the_kanban_shows_each_stage_within_the_scope(cast, campaign, transport, login):
    unit, officer = transport
    new = order(cast, campaign)
    sent = dispatched(cast, campaign, unit, text="用工缺口五十人")
    theirs = services.create_order(cast.tumen, campaign, cast.b, "图们的问题", "hotline")
    r = login(cast.yanji).get("/workorders/board/")
    columns = {c["label"]: [o.pk for o in c["cards"]] for c in r.context["columns"]}
    assert new.pk in columns["新提交 / 已重新打开"] and sent.pk in columns["已派发"]
    assert theirs.pk not in sum(columns.values(), [])
    mine = login(officer).get("/workorders/board/?view=mine").context["columns"]
    assert [o.pk for c in mine for o in c["cards"]] == [sent.pk]


def test_a_common_problem_is_renamed_and_grows(cast, campaign, login):
    first = order(cast, campaign)
    second = order(cast, campaign, "货车也进不了城")
    third = order(cast, campaign, "货车还是进不了城", enterprise=cast.a2)
    group = services.group_orders(cast.yanji, [first, second])
    c = login(cast.yanji)
    c.post(f"/workorders/groups/{group.pk}/", {"action": "rename", "title": "城区货车通行难"})
    c.post(f"/workorders/groups/{group.pk}/", {"action": "add", "orders": f"{third.pk}"})
    group.refresh_from_db()
    assert group.title == "城区货车通行难"
    assert set(group.members.all()) == {first, second, third}
    theirs = services.create_order(cast.tumen, campaign, cast.b, "图们货车进不了城", "hotline")
    r = c.post(f"/workorders/groups/{group.pk}/", {"action": "add", "orders": f"{theirs.pk}"})
    assert theirs.pk not in group.members.values_list("pk", flat=True)
    assert "不在您的管辖范围内" in c.get(r["Location"]).content.decode()
    with pytest.raises(ValidationError):
        services.edit_group(cast.yanji, group, title="  ")
    with pytest.raises(PermissionError):
        services.edit_group(cast.department, group, title="改名")


def test_other_needs_need_a_name_and_a_unit(cast, campaign):
    with pytest.raises(ValidationError, match="名称和单位"):
        order(cast, campaign, "要防护服", needs=[{"kind": "other", "requested": 50}])
    o = order(
        cast,
        campaign,
        "要防护服",
        needs=[{"kind": "other", "label": "防护服", "unit": "套", "requested": 50}],
    )
    assert [(n.label, n.unit) for n in o.needs.all()] == [("防护服", "套")]


# --- the dashboard's figures ------------------------------------------------------------


def test_dashboard_figures_by_unit_and_category_in_scope(cast, campaign, transport, login):
    unit, officer = transport
    fast = dispatched(cast, campaign, unit, needs=[{"kind": "masks", "requested": 270000}])
    fast = services.transition(officer, fast, "sign", fast.version)
    fast = services.transition(officer, fast, "resolve", fast.version)
    WorkOrder.objects.filter(pk=fast.pk).update(
        resolved_at=fast.created_at + datetime.timedelta(hours=10)
    )
    services.deliver(officer, fast.needs.get(), 200000)
    services.transition(
        cast.contact_a, fast, "close", fast.version, rating=4, confirm_undelivered=True
    )  # 200,000 of 270,000 masks delivered: the enterprise closes knowingly
    late = dispatched(cast, campaign, unit, text="贷款到期无力偿还", enterprise=cast.a2)
    WorkOrder.objects.filter(pk=late.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    services.create_order(
        cast.tumen,
        campaign,
        cast.b,
        "图们：资金链紧张",
        "hotline",
        needs=[{"kind": "loans", "requested": 23000}],
    )
    figures = services.order_figures(cast.yanji, campaign)
    t = figures["totals"]
    assert (t["total"], t["open"], t["overdue"], t["resolved"], t["rated"]) == (2, 1, 1, 1, 1)
    assert t["median_hours"] == pytest.approx(10, abs=0.01)
    [row] = figures["units"]
    assert (row["unit__name"], row["open"], row["overdue"], row["avg_rating"]) == (
        "延吉市交通运输局",
        1,
        1,
        4,
    )
    assert [(n["kind"], n["requested"], n["delivered"]) for n in figures["needs"]] == [
        ("masks", Decimal("270000"), Decimal("200000"))
    ]  # 图们's loan is outside 延吉's scope
    whole = services.order_figures(cast.zhuanban, campaign)
    loans = [n for n in whole["needs"] if n["kind"] == "loans"]
    assert (loans[0]["enterprises"], loans[0]["requested"]) == (1, Decimal("23000"))
    page = login(cast.zhuanban).get("/").content.decode()
    assert "1 户企业需求 2.3亿元" in page and "已帮助解决 20万只" in page
    assert "延吉市交通运输局" in page


def test_chinese_quantities():
    assert cn_quantity(270000, "只") == "27万只"
    assert cn_quantity(Decimal("8.40"), "吨") == "8.4吨"
    assert cn_quantity(23000, "万元") == "2.3亿元"
    assert cn_quantity(326, "个") == "326个"
    assert (hours(10.2), hours(50), hours(0.3), hours(None)) == (
        "10小时",
        "2天2小时",
        "不足1小时",
        "—",
    )
