"""Reading exported group chats (WeChat / WeCom plain-text exports) into proposed work orders.

A message starts with a header line — date, time and sender in one of the common layouts — and
continues on the following lines until the next header. Each message is attributed to an
enterprise by the sender mapping the officer keeps (ChatSender) or by an enterprise name it
mentions; chatter (收到, 好的, thanks, stickers, system lines) is dropped."""

import re
from dataclasses import dataclass, field
from datetime import datetime

HEADERS = [
    # 2020-02-10 09:15:23 张三  |  2020/2/10 9:15 张三
    re.compile(
        r"^(?P<date>\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\s+(?P<time>\d{1,2}:\d{2}(:\d{2})?)\s+"
        r"(?P<sender>\S.*?)\s*$"
    ),
    # 张三 2020-02-10 09:15:23  |  张三(福泉川东化工) 2020/2/10 9:15
    re.compile(
        r"^(?P<sender>\S.*?)\s+(?P<date>\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\s+"
        r"(?P<time>\d{1,2}:\d{2}(:\d{2})?)\s*$"
    ),
    # 张三  09:15  (a WeCom export grouped under a date line)
    re.compile(r"^(?P<sender>\S.*?)\s+(?P<time>\d{1,2}:\d{2}(:\d{2})?)\s*$"),
]
DATE_LINE = re.compile(r"^[—\-=\s]*(?P<date>\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)[—\-=\s]*$")
CHATTER = re.compile(
    r"^(收到|好的|好|ok|OK|嗯|谢谢|感谢|多谢|辛苦了?|明白|了解|已阅|1|👍|🙏|\[.{1,6}\]|"
    r"\[(图片|表情|动画表情|语音|视频|文件)\])[!！。.~～\s]*$"
)
SYSTEM = re.compile(
    r"(撤回了一条消息|加入了群聊|邀请.*加入|修改群名|移出了群聊|以上是打招呼的内容)"
)


@dataclass
class Message:
    line: int
    at: datetime | None
    sender: str
    text: str = ""
    lines: list = field(default_factory=list)


def _date(text):
    return datetime.strptime(re.sub(r"[/.年月]", "-", text).rstrip("日"), "%Y-%m-%d").date()


def parse(text):
    """The messages of an export, chatter and system lines included (see `worth_an_order`)."""
    messages, current, day = [], None, None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        date_line = DATE_LINE.match(line)
        if date_line:
            day = _date(date_line["date"])
            continue
        header = next((m for p in HEADERS if (m := p.match(line))), None)
        if header:
            try:
                d = (
                    _date(header["date"])
                    if "date" in header.groupdict() and header["date"]
                    else day
                )
                t = header["time"]
                at = (
                    datetime.combine(
                        d, datetime.strptime(t, "%H:%M:%S" if t.count(":") == 2 else "%H:%M").time()
                    )
                    if d
                    else None
                )
            except ValueError:
                at = None
            if at is not None or header.re is HEADERS[2] and day is not None:
                current = Message(number, at, header["sender"].strip())
                messages.append(current)
                continue
        if current is not None:
            current.lines.append(line)
    for m in messages:
        m.text = "\n".join(m.lines).strip()
    return messages


def worth_an_order(message):
    text = message.text
    return bool(text) and not CHATTER.match(text) and not SYSTEM.search(text) and len(text) >= 6


def attribute(message, senders, enterprises):
    """The enterprise of a message: the sender mapping first, then a name the text mentions
    (the longest match wins). `senders` maps names to enterprises; `enterprises` is
    [(name, enterprise)]."""
    if message.sender in senders:
        return senders[message.sender]
    bracket = re.search(r"[(（](.+?)[)）]", message.sender)
    haystack = message.text + " " + (bracket.group(1) if bracket else "")
    found = [(len(key), e) for name, e in enterprises for key in name_keys(name) if key in haystack]
    return max(found, key=lambda p: p[0])[1] if found else None


def name_keys(name):
    """The ways a chat names an enterprise: its full name, without the company form
    ('延吉金达莱医疗器械'), and without the place too ('金达莱医疗器械'); 3 characters at least."""
    base = re.sub(r"(股份)?有限(责任)?公司$|集团$|厂$", "", name)
    bare = re.sub(
        r"^(延边|延吉|图们|敦化|珲春|龙井|和龙|汪清|安图|[^\s]{2}市|[^\s]{2}县)", "", base
    )
    return {k for k in (name, base, bare) if len(k) >= 3}
