"""Exported group chats (WeChat and WeCom text exports) into work orders."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from fugong.core.models import Campaign
from fugong.core.permissions import SYSTEM
from fugong.workorders import chat, services
from fugong.workorders.models import WorkOrder

D = timezone.localdate() - datetime.timedelta(days=1)

EXPORT = f"""\ufeff—————  {D:%Y-%m-%d}  —————

{D:%Y-%m-%d} 09:15:23 王明秀
我们的货车进不了城，原料运不进来
产品也运不出去，请帮忙协调

{D:%Y-%m-%d} 09:16:01 工信局刘局长
收到

李四(延吉乙食品) {D:%Y/%m/%d} 9:20
外地员工回不来，用工缺口三十人
{D:%Y-%m-%d} 09:21:40 李四(延吉乙食品)
[表情]
{D:%Y-%m-%d} 09:30:00 赵六
"赵六" 撤回了一条消息
{D:%Y-%m-%d} 09:31:00 陌生人
我们厂口罩只够两天了，急需支援
{D:%Y-%m-%d} 09:32:00 张三
图们丙纺织有限公司这边防疫物资也紧缺，消毒液没有了
{D:%Y-%m-%d} 09:40:00 王明秀
谢谢！
"""


@pytest.fixture
def campaign(cast):
    return Campaign.objects.create(
        name="本轮应急", region=cast.regions.yanbian, starts_on=D - datetime.timedelta(days=5)
    )


def test_the_parser_reads_both_layouts_and_multi_line_messages():
    messages = chat.parse(EXPORT)
    senders = [m.sender for m in messages]
    assert senders == [
        "王明秀",
        "工信局刘局长",
        "李四(延吉乙食品)",
        "李四(延吉乙食品)",
        "赵六",
        "陌生人",
        "张三",
        "王明秀",
    ]
    assert messages[0].text == "我们的货车进不了城，原料运不进来\n产品也运不出去，请帮忙协调"
    assert messages[2].at == datetime.datetime.combine(D, datetime.time(9, 20))
    worth = [m.sender for m in messages if chat.worth_an_order(m)]
    assert worth == ["王明秀", "李四(延吉乙食品)", "陌生人", "张三"]


def test_a_wecom_export_grouped_under_date_lines():
    text = f"{D:%Y年%m月%d日}\n王明秀 14:05\n原料断供了，三天后停产\n刘局长 14:06\n好的"
    messages = chat.parse(text)
    assert [(m.sender, m.at.hour) for m in messages] == [("王明秀", 14), ("刘局长", 14)]
    assert [chat.worth_an_order(m) for m in messages] == [True, False]


def test_attribution_by_mapping_and_by_name_and_unknown_senders(cast, campaign):
    services.map_sender(cast.yanji, "王明秀", cast.a)
    proposals = services.preview_chat(cast.zhuanban, EXPORT)
    by_line = {p.sender: p for p in proposals}
    assert by_line["王明秀"].enterprise == cast.a  # the mapping
    assert by_line["李四(延吉乙食品)"].enterprise == cast.a2  # the name in the nickname
    assert by_line["张三"].enterprise == cast.b  # the name in the text
    assert by_line["陌生人"].enterprise is None and "无法对应到企业" in by_line["陌生人"].reason
    # a 延吉 officer cannot attribute to 图们's enterprise
    mine = {p.sender: p for p in services.preview_chat(cast.yanji, EXPORT)}
    assert mine["张三"].enterprise is None


def test_the_command_imports_nothing_with_unattributed_messages_unless_told(
    cast, campaign, tmp_path, capsys
):
    path = tmp_path / "chat.txt"
    path.write_text(EXPORT, encoding="utf-8")
    services.map_sender(SYSTEM, "王明秀", cast.a)
    with pytest.raises(SystemExit) as exc:
        call_command("import", "chat", str(path))
    assert exc.value.code == 1 and "无法对应到企业" in capsys.readouterr().err
    assert not WorkOrder.objects.exists()
    with pytest.raises(SystemExit):
        call_command("import", "chat", str(path), "--skip-bad")
    assert set(WorkOrder.objects.values_list("channel", flat=True)) == {"chat"}
    assert WorkOrder.objects.count() == 3
    with pytest.raises(SystemExit):  # the same export again creates nothing new
        call_command("import", "chat", str(path), "--skip-bad")
    assert WorkOrder.objects.count() == 3


def test_the_upload_page_previews_maps_and_confirms(cast, campaign, login):
    services.map_sender(SYSTEM, "王明秀", cast.a)
    c = login(cast.zhuanban)
    upload = SimpleUploadedFile("chat.txt", EXPORT.encode())
    page = c.post("/workorders/chat/", {"action": "preview", "file": upload})
    assert len(page.context["proposals"]) == 4
    page = c.post("/workorders/chat/", {"action": "map", "sender": "陌生人", "uscc": cast.b.uscc})
    assert all(not p.reason for p in page.context["proposals"])
    lines = [p.line for p in page.context["proposals"]][:2]
    c.post("/workorders/chat/", {"action": "confirm", "line": lines})
    assert WorkOrder.objects.count() == 2
    assert login(cast.contact_a).get("/workorders/chat/").status_code == 403
