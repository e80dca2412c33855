"""SMS through a pluggable gateway. Chinese SMS platforms send only an approved signature
(短信签名, e.g. 【复工专班】) with an approved template (模板, an id such as SMS_123456789)
and its parameters, and limit how many messages one phone may receive; the gateway here
follows Aliyun's 短信服务 SendSms (dysmsapi, API version 2017-05-25) over its RPC HTTP
interface, signed as Aliyun documents (HMAC-SHA1, SignatureVersion 1.0).

Configured by `settings.FUGONG_SMS` (env FUGONG_SMS_*): `provider` "aliyun", "log" (write to
the log: development, or no provider) or the dotted path of a Gateway class; the templates map
our names (report_pending, report_overdue, …) to the provider's approved template codes.
Per-phone limits (`per_phone`: [(count, seconds), …]) are counted in the shared cache before
the provider is asked; a message over a short limit waits, over a day's limit it fails.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from . import crypto
from .models import Delivery
from .validators import _MOBILE_RE, normalize_phone

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping


log = logging.getLogger("fugong.sms")

# Aliyun's documented codes that a later attempt may get past; every other code is permanent
# (isv.SMS_SIGNATURE_ILLEGAL, isv.SMS_TEMPLATE_ILLEGAL, isv.TEMPLATE_MISSING_PARAMETERS,
# isv.MOBILE_NUMBER_ILLEGAL, isv.DAY_LIMIT_CONTROL, SignatureDoesNotMatch, …)
TRANSIENT_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL",  # the platform's per-phone flow control (分钟级/小时级流控)
    "isp.SYSTEM_ERROR",
    "isp.GATEWAY_ERROR",
    "Throttling",
    "Throttling.User",
    "Throttling.Api",
    "ServiceUnavailable",
    "InternalError",
}
LONGEST_WAIT = 3600  # over a per-phone limit that frees later than this: fail, do not wait


class SmsError(OSError):
    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass
class Result:
    ok: bool
    transient: bool = False
    code: str = ""
    message: str = ""
    body: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.message}".strip(": ")

    def error(self) -> SmsError:
        return SmsError(str(self), permanent=not self.transient)


class Gateway:
    """A provider: send one templated message to one phone, never raise."""

    def send(self, phone: str, template_code: str, params: dict) -> Result:
        raise NotImplementedError


class LogGateway(Gateway):
    """No provider configured: the message is written to the log and counts as sent."""

    def __init__(self, **config: str) -> None:
        self.sign_name = config.get("sign_name", "")

    def send(self, phone: str, template_code: str, params: Mapping[str, str]) -> Result:
        log.info(
            "sms to %s: 【%s】%s %s",
            phone[:3] + "****" + phone[-4:],
            self.sign_name,
            template_code,
            params,
        )
        return Result(True, code="OK", body="logged")


def percent(value: object) -> str:
    """Aliyun's percent-encoding (RFC 3986: space %20, * %2A, ~ kept)."""
    return urllib.parse.quote(str(value), safe="~")


def aliyun_signature(secret: str, method: str, params: dict) -> str:
    canonical = "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent('/')}&{percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunGateway(Gateway):
    """Aliyun dysmsapi SendSms: POST form parameters with the common RPC parameters and
    `Signature`; the answer's `Code` is "OK" or the reason it was refused."""

    def __init__(self, **config: str) -> None:
        self.endpoint = config.get("endpoint") or "https://dysmsapi.aliyuncs.com/"
        self.access_key_id = config.get("access_key_id", "")
        self.access_key_secret = config.get("access_key_secret", "")
        self.sign_name = config.get("sign_name", "")
        self.region = config.get("region") or "cn-hangzhou"
        self.timeout = config.get("timeout", 10)

    def request_params(self, phone: str, template_code: str, params: dict) -> dict:
        query = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": self.region,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "TemplateParam": json.dumps({k: str(v) for k, v in params.items()}, ensure_ascii=False),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query["Signature"] = aliyun_signature(self.access_key_secret, "POST", query)
        return query

    def send(self, phone: str, template_code: str, params: Mapping[str, str]) -> Result:
        data = urllib.parse.urlencode(self.request_params(phone, template_code, params))
        request = urllib.request.Request(
            self.endpoint,
            data=data.encode(),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (OSError, ValueError) as exc:
            return Result(
                False, isinstance(exc, OSError), "network", f"{type(exc).__name__}: {exc}"
            )
        text = raw.decode("utf-8", "replace")
        try:
            answer = json.loads(text)
        except ValueError:
            answer = {}
        code = str(answer.get("Code", "") if isinstance(answer, dict) else "")
        message = str(answer.get("Message", "") if isinstance(answer, dict) else "")
        if code == "OK":
            return Result(True, code=code, message=message, body=text[:500])
        if not code:
            return Result(
                False, status >= 500 or status == 429, f"HTTP {status}", text[:200], text[:500]
            )
        return Result(False, code in TRANSIENT_CODES, code, message, text[:500])


PROVIDERS = {"aliyun": AliyunGateway, "log": LogGateway}


def config() -> dict:
    return getattr(settings, "FUGONG_SMS", {}) or {}


def gateway() -> Gateway:
    provider = config().get("provider") or "log"
    cls = PROVIDERS.get(provider) or import_string(provider)
    return cls(**config())


def _phone_keys(phone: str, now_ts: float) -> Iterator[tuple[str, int, int]]:
    hashed = crypto.blind_index(phone)[:24]  # no phone numbers in the cache
    for count, seconds in config().get("per_phone", [(1, 60), (5, 3600), (10, 86400)]):
        window = int(now_ts // seconds)
        yield f"fugong:sms:{hashed}:{seconds}:{window}", count, seconds, window


def uncount(phone: str, now_ts: float) -> None:
    """Take back a message counted by phone_wait that the provider did not send."""
    for key, *_rest in _phone_keys(phone, now_ts):
        try:
            cache.decr(key)
        except ValueError:
            pass


def phone_wait(phone: str, now_ts: float | None = None) -> float:
    """Count one message to `phone` against every per-phone limit and return 0, or take it
    back and return the seconds until the fullest limit's window frees."""
    now_ts = time.time() if now_ts is None else now_ts
    counted, wait = [], 0.0
    for key, count, seconds, window in _phone_keys(phone, now_ts):
        cache.add(key, 0, timeout=seconds + 60)
        try:
            n = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=seconds + 60)
            n = 1
        counted.append(key)
        if n > count:
            wait = max(wait, (window + 1) * seconds - now_ts)
    if wait:
        for key in counted:
            cache.decr(key)
    return wait


def deliver(message: Delivery, now: datetime | None = None) -> bool:
    """Send a claimed outbox SMS (called by the outbox's send_delivery): True when the
    provider accepted it; over a short per-phone limit it goes back to waiting (False);
    a refusal raises SmsError (`permanent` ends the retries), with the answer recorded."""
    now = now or timezone.now()
    code = config().get("templates", {}).get(message.template)
    if not code:
        raise SmsError(f"no approved template configured for {message.template!r}", True)
    wait = phone_wait(message.address, now.timestamp())
    if wait > LONGEST_WAIT:
        raise SmsError(f"per-phone limit reached for {message.address[:3]}****", True)
    if wait:
        Delivery.objects.filter(pk=message.pk).update(
            status=Delivery.Status.PENDING, claimed_at=None
        )
        from .tasks import send_delivery  # deferred: tasks imports services, which imports sms

        send_delivery.schedule((message.pk,), delay=int(wait) + 1)
        return False
    result = gateway().send(message.address, code, message.params)
    if not result.ok:
        uncount(message.address, now.timestamp())
        Delivery.objects.filter(pk=message.pk).update(response=result.body)
        raise result.error()
    Delivery.objects.filter(pk=message.pk).update(
        status=Delivery.Status.SENT,
        attempts=message.attempts + 1,
        sent_at=timezone.now(),
        response=result.body,
        last_error="",
    )
    return True


def queue(phone: str, template: str, params: dict, title: str = "") -> Delivery | None:
    """Put an SMS in the outbox (sent by the task queue after the caller's transaction
    commits). None for a phone that is not a mobile number."""
    try:
        phone = normalize_phone(phone)
    except ValidationError:
        return None
    if not _MOBILE_RE.match(phone):
        return None
    message = Delivery.objects.create(
        channel=Delivery.Channel.SMS,
        address=phone,
        title=(title or template)[:200],
        body=json.dumps(params, ensure_ascii=False),
        template=template,
        params={k: str(v) for k, v in params.items()},
    )
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _enqueue(pk: int) -> None:
    from .tasks import send_delivery  # deferred: tasks imports services, which imports sms

    send_delivery(pk)
