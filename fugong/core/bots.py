"""Group bots as they really are: WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书) custom bots.

- Each platform's message shape, markdown where it renders it, and an @mention of phones where
  the bot supports one (DingTalk `at.atMobiles`; WeCom `mentioned_mobile_list`, text messages
  only; Feishu custom bots cannot @ by phone, so the phones are named in the text).
- Signing as each platform documents it: DingTalk puts `timestamp` (ms) and `sign` =
  urlencode(base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" + secret))) in the URL query;
  Feishu puts `timestamp` (s) and `sign` = base64(HMAC-SHA256(key=timestamp + "\\n" + secret,
  msg="")) in the JSON body; WeCom is unsigned (its key is in the URL).
- The answer: the three answer a refused message with HTTP 200 and a non-zero `errcode`/`code`
  in the body. That is a failure, transient (rate limited, server busy: retried) or permanent
  (bad signature, keyword missing, bot removed or webhook invalid: not retried), by the codes
  the platforms document; an unknown code is permanent (the bot refused; an administrator sees it).
- A shared rate limit per bot (`FUGONG_BOTS["per_minute"]`, about 20 a minute as DingTalk and
  WeCom allow) counted in the Django cache, so every process counts together; an outbox message
  over the limit waits, and when more wait than the bot's window takes, the next message sent
  carries the others merged with it (nothing dropped).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Delivery, Unit

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from django.db.models import QuerySet


KINDS = ("wecom", "dingtalk", "feishu")

# Documented refusal codes. Transient ones are retried by the queue; anything else is permanent.
TRANSIENT = {
    "dingtalk": {-1: "系统繁忙", 410100: "发送速度太快而限流", 130101: "send too fast"},
    "wecom": {-1: "系统繁忙", 45009: "接口调用超过限制", 45033: "接口并发调用超过限制"},
    "feishu": {11232: "frequency limited", 11233: "frequency limited", 9999: "server busy"},
}
PERMANENT = {
    "dingtalk": {
        310000: "安全设置校验失败（签名不匹配、关键词不在内容中或 IP 不在白名单）",
        300001: "token 无效",
        300005: "token 不存在（机器人已被移除）",
        400013: "群已被解散",
        400101: "access_token 不存在",
        400102: "机器人已停用",
        400105: "不支持的消息类型",
        400106: "机器人不存在",
        430101: "含有不安全的外链",
        430102: "含有不合适的文本",
        430104: "含有不合适的内容",
    },
    "wecom": {
        93000: "webhook 地址无效或机器人已被移出群",
        93004: "机器人已被停用",
        93008: "机器人不在群中",
        40008: "消息类型无效",
        40058: "参数不合法",
        44004: "内容为空",
        45002: "内容超过长度限制",
    },
    "feishu": {
        19001: "webhook 无效（机器人已被移除）",
        19021: "签名校验失败或时间戳与当前时间相差超过一小时",
        19022: "IP 不在白名单",
        19024: "关键词校验失败",
        9499: "请求格式错误",
    },
}
# the codes of "too many messages": the bot's window is full, later messages wait for it
RATE_LIMITED = {"dingtalk": {410100, 130101}, "wecom": {45009}, "feishu": {11232, 11233}}
# permanent refusals of one message's content (not of the bot): messages merged with it wait
CONTENT = {
    "dingtalk": {430101, 430102, 430103, 430104},
    "wecom": {40058, 44004, 45002},
    "feishu": {9499},
}
# bytes a message may have (WeCom: markdown 4096, text 2048; DingTalk and Feishu: ~20 KB)
LIMIT_BYTES = {"wecom": 4000, "dingtalk": 15000, "feishu": 18000}
WECOM_TEXT_BYTES = 2000
MERGE_MAX = 200
WINDOW, BUCKET = 60, 10  # the rate limit's window and the cache counters' granularity


class BotError(OSError):
    """A group bot did not take a message. `permanent`: retrying will not help."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass
class Answer:
    """What a bot answered: `ok`, or a failure that is `transient` or not, with its code,
    the platform's message and the raw body (recorded on the outbox message)."""

    ok: bool
    transient: bool = False
    code: str = ""
    message: str = ""
    status: int = 0
    body: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"HTTP {self.status} {self.body}".strip()
        return f"{self.code}: {self.message}".strip(": ")

    def error(self) -> BotError:
        return BotError(str(self), permanent=not self.transient)


# --- signing and payloads -------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return urllib.parse.quote_plus(base64.b64encode(digest.digest()))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def _clip(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def payload(kind: str, title: str, text: str, mentions: Sequence[str] = ()) -> dict:
    """The JSON body a bot of `kind` expects for a message (unsigned)."""
    mentions = [m for m in dict.fromkeys(mentions) if m]
    if kind == "dingtalk":
        at_line = "\n\n" + " ".join(f"@{m}" for m in mentions) if mentions else ""
        body = _clip(text.replace("\n", "\n\n"), LIMIT_BYTES[kind])
        return {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": f"#### {title}\n\n{body}{at_line}"},
            "at": {"atMobiles": mentions, "isAtAll": False},
        }
    if kind == "feishu":
        named = "\n" + _("提醒：%(p)s") % {"p": "、".join(mentions)} if mentions else ""
        content = _clip(text + named, LIMIT_BYTES[kind])
        return {
            "msg_type": "interactive",
            "card": {
                "header": {"title": {"tag": "plain_text", "content": title}},
                "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": content}}],
            },
        }
    if mentions:  # WeCom renders mentions in text messages only
        content = _clip(f"{title}\n{text}", WECOM_TEXT_BYTES)
        return {"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": mentions}}
    return {"msgtype": "markdown", "markdown": {"content": _clip(f"**{title}**\n{text}", 4000)}}


def interpret(kind: str, status: int, raw: bytes) -> Answer:
    """A bot's HTTP answer as an Answer: a non-zero errcode/code is a failure even with 200."""
    text = raw.decode("utf-8", "replace")
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
    message = str(data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or "")
    body = text[:500]
    try:
        code = int(code or 0)
    except (TypeError, ValueError):
        code = -1
    if code == 0 and status < 300:
        return Answer(True, status=status, body=body)
    if code == 0:  # an HTTP error without the platform's code
        transient = status in (408, 429) or status >= 500
        return Answer(False, transient, f"HTTP {status}", message or text[:200], status, body)
    known = PERMANENT.get(kind, {}).get(code) or TRANSIENT.get(kind, {}).get(code, "")
    transient = code in TRANSIENT.get(kind, {})
    message = f"{message} ({known})" if known and known not in message else message
    return Answer(False, transient, f"{kind} {code}", message, status, body)


def post(
    kind: str,
    url: str,
    title: str,
    text: str,
    *,
    secret: str = "",
    mentions: Sequence[str] = (),
    key: str = "",
    timeout: float = 10,
) -> Answer:
    """Sign and POST one message to a bot; returns its Answer (never raises)."""
    if kind not in KINDS:
        return Answer(False, code="kind", message=_("未知的群机器人类型：%(k)s") % {"k": kind})
    body = payload(kind, title, text, mentions)
    target = url
    if secret and kind == "dingtalk":
        ts = int(time.time() * 1000)
        target = f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"
    elif secret and kind == "feishu":
        ts = int(time.time())
        body = {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **body}
    request = urllib.request.Request(
        target,
        data=json.dumps(body, ensure_ascii=False).encode(),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "X-Fugong-Delivery": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except ValueError as exc:  # not a URL urllib can open
        return Answer(False, False, "url", str(exc))
    except OSError as exc:  # refused, unreachable, timed out
        return Answer(False, True, "network", f"{type(exc).__name__}: {exc}")
    return interpret(kind, status, raw)


# --- the shared rate limit ------------------------------------------------------------------


def _name(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:24]  # the URL holds the bot's token


def per_minute() -> int:
    return int(getattr(settings, "FUGONG_BOTS", {}).get("per_minute", 20))


def acquire(url: str, now_ts: float | None = None) -> float:
    """Count one message to the bot at `url` if it is within its limit and return 0, else
    return the seconds to wait. Counters of BUCKET seconds in the shared cache; the message is
    counted first (atomic incr) and taken back when the window is full, so concurrent senders
    never exceed the limit in any WINDOW seconds."""
    now_ts = time.time() if now_ts is None else now_ts
    bucket, name = int(now_ts // BUCKET), _name(url)
    key = f"fugong:bots:{name}:{bucket}"
    cache.add(key, 0, timeout=WINDOW + 2 * BUCKET)
    try:
        mine = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW + 2 * BUCKET)
        mine = 1
    older = cache.get_many(
        [f"fugong:bots:{name}:{bucket - i}" for i in range(1, WINDOW // BUCKET + 1)]
    )
    if mine + sum(older.values()) <= per_minute():
        return 0.0
    cache.decr(key)
    return (bucket + 1) * BUCKET - now_ts


def room(url: str, now_ts: float) -> int:
    """How many more messages the bot at `url` takes in the current window."""
    bucket, name = int(now_ts // BUCKET), _name(url)
    keys = [f"fugong:bots:{name}:{bucket - i}" for i in range(WINDOW // BUCKET + 1)]
    return max(0, per_minute() - sum(cache.get_many(keys).values()))


def saturate(url: str, now_ts: float) -> None:
    """The bot said it had too many: count its window as full, so that what follows waits."""
    key = f"fugong:bots:{_name(url)}:{int(now_ts // BUCKET)}"
    cache.set(key, per_minute(), timeout=WINDOW + 2 * BUCKET)


# --- sending --------------------------------------------------------------------------------


def secret_for(url: str) -> str:
    """The signing secret of the bot at `url` (the units that post to it share the bot)."""
    for unit in Unit.objects.filter(webhook_url=url).exclude(webhook_secret=""):
        return unit.webhook_secret
    return ""


def send(
    kind: str,
    url: str,
    title: str,
    text: str,
    *,
    secret: str | None = None,
    mentions: Sequence[str] = (),
    key: str = "",
    timeout: float = 10,
) -> Answer:
    """Post one message now, within the bot's rate limit (over it: a transient failure)."""
    if acquire(url):
        message = _("超过每分钟 %(n)s 条的发送频率，稍后重试") % {"n": per_minute()}
        return Answer(False, True, "rate", message)
    secret = secret_for(url) if secret is None else secret
    return post(kind, url, title, text, secret=secret, mentions=mentions, key=key, timeout=timeout)


def send_test(unit: Unit) -> Answer:
    """A test message to `unit`'s bot (`fugong bots test`, the unit admin's action)."""
    if not unit.webhook_url or unit.webhook_kind not in KINDS:
        return Answer(False, code="config", message=_("该单位未配置群机器人"))
    title = _("%(site)s 群机器人测试") % {"site": settings.FUGONG_SITE_NAME}
    text = _("%(unit)s 的群机器人已接通（%(at)s）。") % {
        "unit": unit.name,
        "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    return send(unit.webhook_kind, unit.webhook_url, title, text, secret=unit.webhook_secret)


def _part(title: str, body: str) -> str:
    return f"**{title}**\n{body}"


def _claim_companions(message: Delivery, now: datetime) -> list:
    """When more messages wait for the bot than it takes in this window, claim those that
    fit in one message with `message`, oldest first; they are recorded as merged into it.
    Otherwise none: each waiting message gets a post of its own."""
    waiting = (
        Delivery.objects.filter(
            channel=Delivery.Channel.WEBHOOK,
            address=message.address,
            webhook_kind=message.webhook_kind,
            status=Delivery.Status.PENDING,
        )
        .exclude(pk=message.pk)
        .order_by("created_at", "id")
    )
    if waiting.count() <= room(message.address, now.timestamp()):
        return []
    waiting = waiting.values_list("pk", "title", "body", "mentions")[:MERGE_MAX]
    size, mentioned, chosen = len(_part(message.title, message.body).encode()), message.mentions, []
    for pk, title, body, mentions in waiting:
        mentioned = mentioned or mentions
        wecom_text = message.webhook_kind == "wecom" and mentioned
        limit = WECOM_TEXT_BYTES if wecom_text else LIMIT_BYTES.get(message.webhook_kind, 2000)
        size += len(_part(title, body).encode()) + 2
        if size > limit:
            break
        chosen.append(pk)
    if chosen:
        Delivery.objects.filter(pk__in=chosen, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SENDING, claimed_at=now, merged_into=message
        )
    return list(
        Delivery.objects.filter(merged_into=message, status=Delivery.Status.SENDING).order_by(
            "created_at", "id"
        )
    )


def _retry_later(pk: int, wait: float) -> None:
    from .tasks import send_delivery  # deferred: tasks imports services, which imports bots

    send_delivery.schedule((pk,), delay=max(1, int(wait) + 1))


def deliver(message: Delivery, now: datetime | None = None) -> bool:
    """Send a claimed outbox message to its group bot (called by the outbox's send_delivery).
    Over the bot's rate limit it goes back to waiting (not an attempt) and is tried again
    when the window frees; otherwise it carries the other messages waiting for that bot.
    Sent: all are marked sent with the bot's answer, returns True. Refused: the companions
    go back to waiting (transient) or fail with it (permanent), and BotError is raised for
    the outbox to count the attempt (its `permanent` ends the retries)."""
    now = now or timezone.now()
    wait = acquire(message.address, now.timestamp())
    if wait:
        Delivery.objects.filter(pk=message.pk).update(
            status=Delivery.Status.PENDING, claimed_at=None
        )
        _retry_later(message.pk, wait)
        return False
    others = _claim_companions(message, now)
    batch = [message, *others]
    if others:
        title = _("%(n)s 条消息") % {"n": len(batch)}
        text = "\n\n".join(_part(m.title, m.body) for m in batch)
    else:
        title, text = message.title, message.body
    mentions = [p for m in batch for p in m.mentions]
    answer = post(
        message.webhook_kind,
        message.address,
        title,
        text,
        secret=secret_for(message.address),
        mentions=mentions,
        key=f"delivery-{message.pk}",
    )
    merged = Delivery.objects.filter(merged_into=message, status=Delivery.Status.SENDING)
    kind = message.webhook_kind
    if answer.code in {f"{kind} {c}" for c in RATE_LIMITED.get(kind, ())}:
        # the bot's own limit: everything waits for its window, no attempt is spent
        saturate(message.address, now.timestamp())
        waiting = Delivery.objects.filter(Q(pk=message.pk) | Q(pk__in=merged.values("pk")))
        waiting.update(
            status=Delivery.Status.PENDING,
            merged_into=None,
            claimed_at=None,
            last_error=f"BotError: {answer}"[:300],
            response=answer.body,
        )
        _retry_later(message.pk, WINDOW)
        return False
    with transaction.atomic():
        if answer.ok:
            at = timezone.now()
            merged.update(
                status=Delivery.Status.SENT,
                sent_at=at,
                response=answer.body,
                attempts=F("attempts") + 1,
            )
            Delivery.objects.filter(pk=message.pk).update(
                status=Delivery.Status.SENT,
                sent_at=at,
                attempts=message.attempts + 1,
                response=answer.body,
                last_error="",
            )
            return True
        Delivery.objects.filter(pk=message.pk).update(response=answer.body)
        if answer.transient or answer.code in {f"{kind} {c}" for c in CONTENT.get(kind, ())}:
            merged.update(status=Delivery.Status.PENDING, merged_into=None, claimed_at=None)
        else:
            merged.update(
                status=Delivery.Status.FAILED,
                attempts=F("attempts") + 1,
                response=answer.body,
                last_error=f"BotError: {answer}"[:300],
            )
    raise answer.error()


def queue(unit: Unit, title: str, text: str, *, mentions: Sequence[str] = ()) -> Delivery | None:
    """Put a message for `unit`'s group bot in the outbox (with phones to @mention); the task
    queue sends it once the caller's transaction commits. None when the unit has no bot."""
    if not unit.webhook_url or unit.webhook_kind not in KINDS:
        return None
    message = Delivery.objects.create(
        channel=Delivery.Channel.WEBHOOK,
        address=unit.webhook_url,
        webhook_kind=unit.webhook_kind,
        title=title[:200],
        body=text,
        mentions=list(mentions),
    )
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _enqueue(pk: int) -> None:
    from .tasks import send_delivery  # deferred: tasks imports services, which imports bots

    send_delivery(pk)


def failing_units() -> QuerySet[Unit]:
    """Units whose group bot refused (or could not be reached for) the last message that
    finished, with that message's error as `bot_error`."""
    last = Delivery.objects.filter(
        channel=Delivery.Channel.WEBHOOK,
        address=OuterRef("webhook_url"),
        status__in=[Delivery.Status.SENT, Delivery.Status.FAILED],
    ).order_by("-created_at", "-id")
    return (
        Unit.objects.exclude(webhook_url="")
        .annotate(
            bot_status=Subquery(last.values("status")[:1]),
            bot_error=Subquery(last.values("last_error")[:1]),
        )
        .filter(bot_status=Delivery.Status.FAILED)
    )
