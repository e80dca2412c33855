"""Local HTTP servers that behave like the outside services Fugong talks to and that are not
reachable from here: a DingTalk, a WeCom and a Feishu custom group bot, and Aliyun's SMS API.
Each checks what the real one checks (signatures, keywords, message shapes, templates,
rate limits) and refuses the way the real one does — HTTP 200 with an error code in the body.
They verify signatures with their own code, not with the code under test. `clock` is the time
the server's rate limits count in (a test moves it); signature timestamps use the real time."""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeServer:
    """A threaded HTTP server on loopback that hands each request to `self.handle`."""

    def __init__(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake.lock:
                    status, answer = fake.handle(self.path, dict(self.headers), body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.lock = threading.Lock()
        self.clock = time.time
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakeBot(FakeServer):
    """A custom group bot of `kind` (dingtalk, wecom, feishu), with the security settings
    the platform offers: a signing secret (加签; DingTalk, Feishu) and a keyword (自定义关键词)."""

    def __init__(self, kind, *, secret="", keyword="", per_minute=20, token="0c7f9e2a"):
        self.kind, self.secret, self.keyword = kind, secret, keyword
        self.per_minute, self.token = per_minute, token
        self.accepted = []  # payloads the bot showed in the group
        self.answers = []  # every answer given
        self.taken_at = []  # clock times of the accepted posts
        self.busy = 0  # answer the next N requests "system busy"
        self.removed = False  # the bot was removed from its group
        self.forbidden = ""  # text the platform's content check refuses
        super().__init__()

    @property
    def url(self):
        return {
            "dingtalk": f"{self.base}/robot/send?access_token={self.token}",
            "wecom": f"{self.base}/cgi-bin/webhook/send?key={self.token}",
            "feishu": f"{self.base}/open-apis/bot/v2/hook/{self.token}",
        }[self.kind]

    @staticmethod
    def text_of(payload):
        """What the group sees of a payload."""
        if "markdown" in payload:
            return payload["markdown"].get("text") or payload["markdown"].get("content", "")
        if "text" in payload:
            return payload["text"].get("content", "")
        if "card" in payload:
            header = payload["card"].get("header", {}).get("title", {}).get("content", "")
            parts = [e.get("text", {}).get("content", "") for e in payload["card"]["elements"]]
            return "\n".join([header, *parts])
        return payload.get("content", {}).get("text", "")

    def max_in_a_minute(self):
        times = sorted(self.taken_at)
        return max((sum(1 for u in times if t <= u < t + 60) for t in times), default=0)

    def handle(self, path, headers, body):
        answer = getattr(self, f"_{self.kind}")(urllib.parse.urlsplit(path), body)
        self.answers.append(answer)
        return 200, answer

    def _limited(self):
        now = self.clock()
        return sum(1 for t in self.taken_at if now - 60 < t <= now) >= self.per_minute

    def _take(self, payload):
        self.accepted.append(payload)
        self.taken_at.append(self.clock())

    def _dingtalk(self, url, body):
        query = urllib.parse.parse_qs(url.query)
        if url.path != "/robot/send" or query.get("access_token") != [self.token] or self.removed:
            return {"errcode": 300005, "errmsg": "token is not exist"}
        if self.secret:
            ts, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            if not ts.isdigit() or abs(time.time() * 1000 - int(ts)) > 3600 * 1000:
                return {"errcode": 310000, "errmsg": "sign not match, more: [invalid timestamp]"}
            string = f"{ts}\n{self.secret}".encode()
            mac = hmac.new(self.secret.encode(), string, hashlib.sha256).digest()
            if not hmac.compare_digest(base64.b64encode(mac).decode(), sign):
                return {"errcode": 310000, "errmsg": "sign not match"}
        payload = json.loads(body)
        kind = payload.get("msgtype")
        if kind not in ("text", "markdown") or not isinstance(payload.get(kind), dict):
            return {"errcode": 400105, "errmsg": "不支持的消息类型"}
        if self.keyword and self.keyword not in self.text_of(payload):
            return {"errcode": 310000, "errmsg": "keywords not in content"}
        if self.forbidden and self.forbidden in self.text_of(payload):
            return {"errcode": 430102, "errmsg": "含有不合适的文本"}
        if self.busy:
            self.busy -= 1
            return {"errcode": -1, "errmsg": "系统繁忙"}
        if self._limited():
            return {"errcode": 410100, "errmsg": "send too fast, exceed 20 times per minute"}
        self._take(payload)
        return {"errcode": 0, "errmsg": "ok"}

    def _wecom(self, url, body):
        query = urllib.parse.parse_qs(url.query)
        if url.path != "/cgi-bin/webhook/send" or query.get("key") != [self.token] or self.removed:
            return {
                "errcode": 93000,
                "errmsg": "invalid webhook url, hint: [1701] from ip: 127.0.0.1",
            }
        payload = json.loads(body)
        kind = payload.get("msgtype")
        if kind not in ("text", "markdown") or not isinstance(payload.get(kind), dict):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        limit = 4096 if kind == "markdown" else 2048
        if len(payload[kind].get("content", "").encode()) > limit:
            return {"errcode": 40058, "errmsg": f"{kind}.content exceed max length {limit}"}
        if self.busy:
            self.busy -= 1
            return {"errcode": -1, "errmsg": "system busy"}
        if self._limited():
            return {"errcode": 45009, "errmsg": "api freq out of limit"}
        self._take(payload)
        return {"errcode": 0, "errmsg": "ok"}

    def _feishu(self, url, body):
        if url.path != f"/open-apis/bot/v2/hook/{self.token}" or self.removed:
            return {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
        payload = json.loads(body)
        if self.secret:
            ts, sign = str(payload.get("timestamp", "")), payload.get("sign", "")
            key = f"{ts}\n{self.secret}".encode()
            good = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            fresh = ts.isdigit() and abs(time.time() - int(ts)) <= 3600
            if not fresh or not hmac.compare_digest(good, sign):
                return {
                    "code": 19021,
                    "msg": "sign match fail or timestamp is not within one hour from current time",
                }
        if payload.get("msg_type") not in ("text", "post", "interactive"):
            return {"code": 9499, "msg": "Bad Request"}
        if self.keyword and self.keyword not in self.text_of(payload):
            return {"code": 19024, "msg": "Key Words Not Found"}
        if self.busy:
            self.busy -= 1
            return {"code": 9999, "msg": "server busy"}
        if self._limited():
            return {"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]"}
        self._take(payload)
        return {"code": 0, "msg": "success", "data": {}}


def _aliyun_percent(value):
    return urllib.parse.quote(str(value), safe="~")


class FakeAliyunSms(FakeServer):
    """Aliyun's dysmsapi SendSms: checks the AccessKey and the request's signature (HMAC-SHA1
    over the canonical query, key = secret + "&"), the nonce and timestamp, an approved
    signature name and template with all its variables, the phone, and a per-phone limit
    (one message a minute, as Aliyun's default flow control)."""

    def __init__(self, *, key_id="LTAI5tFugongTest", secret="fugong-sms-secret"):
        self.key_id, self.secret = key_id, secret
        self.sign_names = {"复工专班"}
        self.templates = {"SMS_465900001": {"name", "day"}, "SMS_465900002": {"name"}}
        self.sent = []  # (phone, template code, params) accepted
        self.nonces = set()
        self.phone_times = {}
        self.busy = 0
        super().__init__()

    @property
    def url(self):
        return self.base + "/"

    def handle(self, path, headers, body):
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        request_id = str(uuid.uuid4()).upper()
        if form.get("AccessKeyId") != self.key_id:
            return 404, {
                "Code": "InvalidAccessKeyId.NotFound",
                "Message": "Specified access key is not found.",
            }
        signature = form.pop("Signature", "")
        canonical = "&".join(
            f"{_aliyun_percent(k)}={_aliyun_percent(v)}" for k, v in sorted(form.items())
        )
        string_to_sign = "POST&%2F&" + _aliyun_percent(canonical)
        mac = hmac.new(f"{self.secret}&".encode(), string_to_sign.encode(), hashlib.sha1)
        if not hmac.compare_digest(base64.b64encode(mac.digest()).decode(), signature):
            return 400, {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation.",
            }
        if form.get("SignatureNonce") in self.nonces:
            return 400, {"Code": "SignatureNonceUsed", "Message": "The nonce has been used."}
        self.nonces.add(form.get("SignatureNonce"))
        if form.get("Action") != "SendSms" or form.get("Version") != "2017-05-25":
            return 400, {"Code": "InvalidAction.NotFound", "Message": "Specified api is not found"}
        if form.get("SignName") not in self.sign_names:
            return 200, {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "该账号下找不到对应签名"}
        variables = self.templates.get(form.get("TemplateCode"))
        if variables is None:
            return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "该账号下找不到对应模板"}
        try:
            params = json.loads(form.get("TemplateParam") or "{}")
        except ValueError:
            return 200, {"Code": "isv.INVALID_JSON_PARAM", "Message": "JSON参数不合法"}
        if not variables <= set(params):
            return 200, {
                "Code": "isv.TEMPLATE_MISSING_PARAMETERS",
                "Message": "模板变量缺少对应参数值",
            }
        phone = form.get("PhoneNumbers", "")
        if not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
        if self.busy:
            self.busy -= 1
            return 200, {"Code": "isp.SYSTEM_ERROR", "Message": "系统错误", "RequestId": request_id}
        now, last = self.clock(), self.phone_times.get(phone)
        if last is not None and now - last < 60:
            return 200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}
        self.phone_times[phone] = now
        self.sent.append((phone, form["TemplateCode"], params))
        return 200, {
            "Code": "OK",
            "Message": "OK",
            "BizId": "9006197469364984^0",
            "RequestId": request_id,
        }
