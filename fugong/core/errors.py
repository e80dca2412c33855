"""The API's one error contract, and the input checks that keep bad bytes from the database.

Every error under /api/v1/ is JSON of one shape, `ErrorOut`:
`{"error": code, "detail": human text, "fields": {field: [messages]}}` (plus `errors`, the
itemised list of a batch, and `status` on the public verification pages). `error_response`
builds it; the exception handlers in fugong/api.py, `InputGuardMiddleware` (NUL bytes, and the
404/405/500 answered outside the API's own views) and the JSON parser all go through it.
"""

from __future__ import annotations

import json
import logging
import math
from decimal import InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja.parser import Parser

if TYPE_CHECKING:
    from collections.abc import Callable


log = logging.getLogger("fugong.errors")

API_PREFIX = "/api/"

# The code of each status (the `error` field).
CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}

OUT_OF_RANGE = (OverflowError, InvalidOperation, DataError)

# The largest integer any JSON body may carry (a 64-bit database integer).
INT_LIMIT = 2**63 - 1


class ErrorOut(Schema):
    """Every 4xx/5xx of the API."""

    error: str
    detail: str
    fields: dict[str, list[str]] = {}
    errors: list[dict] | None = None


class ApiError(Exception):
    """Raise anywhere in an API operation to answer `status` with the contract's body."""

    def __init__(
        self, status: int, detail: str, fields: dict | None = None, code: str = ""
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.fields = status, detail, fields or {}
        self.code = code or CODES.get(status, "error")


class BadNumber(ValueError):
    """A JSON body carries NaN, Infinity or a number beyond what any field can hold."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def error_body(code: str, detail: str, fields: dict | None = None, **extra: Any) -> dict:
    body = {"error": code, "detail": str(detail), "fields": normalise_fields(fields)}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def error_response(
    http_status: int, detail: str, fields: dict | None = None, code: str = "", **extra: Any
) -> JsonResponse:
    """The contract's JSON error response (`extra`: e.g. `errors` of a batch)."""
    body = error_body(code or CODES.get(http_status, "error"), detail, fields, **extra)
    return JsonResponse(body, status=http_status, json_dumps_params={"ensure_ascii": False})


def normalise_fields(fields: dict | None) -> dict[str, list[str]]:
    """{field: message or [messages]} → {field: [messages]} (strings throughout)."""
    out = {}
    for key, value in (fields or {}).items():
        values = value if isinstance(value, list | tuple) else [value]
        out[str(key)] = [str(v) for v in values]
    return out


def schema_error_fields(errors: list[dict]) -> dict[str, list[str]]:
    """django-ninja's pydantic errors (`loc` = (source, field, …)) as {dotted.field: [msg]}."""
    fields: dict[str, list[str]] = {}
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
            loc = loc[1:]
        if len(loc) > 1 and loc[0] == "payload":
            loc = loc[1:]
        fields.setdefault(".".join(loc) or "__all__", []).append(str(e.get("msg", "")))
    return fields


# --- the JSON parser: numbers every field can hold ----------------------------------------


def _check_numbers(value: Any, path: str = "") -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise BadNumber(path or "__all__")
    if isinstance(value, int) and abs(value) > INT_LIMIT:
        raise BadNumber(path or "__all__")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_numbers(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_numbers(v, f"{path}.{i}" if path else str(i))


def _refuse_constant(name: str) -> float:
    return float(name.replace("Infinity", "inf"))  # checked (and refused) by _check_numbers


class NotAnObject(ValueError):
    """A JSON body that is not an object (`[]`, `null`, `5`): every body of the API is one."""


class StrictParser(Parser):
    """JSON bodies without NaN/Infinity (which Python's json accepts and PostgreSQL's jsonb
    does not), without floats that overflow to infinity (`1e999999999`) and without integers
    no column holds: a field error (422) naming the field, never a 500. A body that is not an
    object is refused (422) before django-ninja's schemas, which read attributes, see it."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:  # the fast path: the hooks refuse a bad number as it is parsed
            data = json.loads(
                request.body, parse_constant=_no_constant, parse_float=_finite, parse_int=_int64
            )
        except _Refused:  # the slow path, only for a refused body: which field it was
            data = json.loads(request.body, parse_constant=_refuse_constant, parse_int=_parse_int)
            _check_numbers(data)
        if not isinstance(data, dict):
            raise NotAnObject()
        return data


class _Refused(ValueError):
    pass


def _no_constant(name: str) -> float:
    raise _Refused(name)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(text)
    return value


def _int64(text: str) -> int:
    value = int(text) if len(text) < 25 else INT_LIMIT + 1  # never build a huge integer
    if abs(value) > INT_LIMIT:
        raise _Refused(text)
    return value


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > 19:
        return INT_LIMIT + 1  # refused by _check_numbers without building a huge integer
    return int(text)


# --- the middleware -----------------------------------------------------------------------


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def nul_in_request(request: HttpRequest) -> bool:
    """A NUL byte anywhere PostgreSQL would be handed it: path, query, cookies, headers, a JSON
    or form body (files are binary and are not looked at)."""
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if any("\x00" in k or "\x00" in v for k, v in request.COOKIES.items()):
        return True
    if any(k.startswith("HTTP_") and "\x00" in str(v) for k, v in request.META.items()):
        return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method in ("GET", "HEAD", "OPTIONS") or not content_type:
        return False
    try:
        body = request.body
    except Exception:  # noqa: BLE001 - too large etc.: the view answers that itself
        return False
    if content_type.startswith("application/x-www-form-urlencoded"):
        return b"%00" in body or b"\x00" in body
    if "json" in content_type:
        if b"\x00" in body:
            return True
        if b"\\u0000" not in body.lower():
            return False
        try:
            return _has_nul(json.loads(body))
        except ValueError:
            return False  # the parser answers malformed JSON
    return False


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


class InputGuardMiddleware:
    """First in the chain. Refuses a request carrying a NUL byte (PostgreSQL refuses them, and
    SQLite does not, so the check is here and not left to the database): 400, JSON under the
    API. Under /api/, whatever Django itself answers as HTML (an unknown path's 404, 405, a
    400 for a request too large, a 500) is turned into the contract's JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if nul_in_request(request):
            detail = _("请求中含有不允许的空字符（NUL）")
            if is_api(request):
                return error_response(400, detail)
            return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")
        response = self.get_response(request)
        if is_api(request) and response.status_code >= 400:
            content_type = response.get("Content-Type", "")
            if not content_type.startswith("application/json"):
                return _as_json(response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OUT_OF_RANGE):
            # a number no column holds (a 30-digit id in a URL or a hidden version field): the
            # request's fault, on SQLite (OverflowError) as on PostgreSQL (DataError)
            detail = _("数值超出范围")
            if is_api(request):
                return error_response(422, detail)
            return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")
        if is_api(request):
            log.exception("unhandled error under the API", exc_info=exception)
            return error_response(500, _("服务器内部错误，请稍后再试"))
        return None


DEFAULT_DETAIL = {
    400: gettext_lazy("请求格式不正确"),
    404: gettext_lazy("接口不存在"),
    405: gettext_lazy("此接口不支持该请求方法"),
    413: gettext_lazy("请求内容过大"),
    500: gettext_lazy("服务器内部错误，请稍后再试"),
}


def _as_json(response: HttpResponse) -> HttpResponse:
    status = response.status_code
    new = error_response(status, DEFAULT_DETAIL.get(status) or _("请求未能完成"))
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            new[header] = response[header]
    return new


# --- the OpenAPI document -----------------------------------------------------------------

ERROR_DESCRIPTIONS = {
    400: "Malformed request: not JSON, or a NUL byte in the path, query or body",
    401: "No valid session or API token",
    403: "Outside your role or scope, or the account must change its password first",
    404: "No such object in your scope",
    409: "Conflict: someone acted first (stale version) or the object exists already",
    422: "Invalid input: `fields` names each field and its rule",
    429: "Rate limited: retry after `Retry-After` seconds",
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _statuses(method: str, operation: dict) -> list[int]:
    statuses = [400, 429]
    if operation.get("security"):
        statuses += [401, 403]
    if operation.get("parameters") or operation.get("requestBody"):
        statuses += [404, 422]
    if method in ("post", "put", "patch", "delete"):
        statuses += [409]
    return sorted(statuses)


NO_NUL = "^[^\\x00]*$"


def _tighten(node: Any, in_body: bool = True) -> None:
    """What the checks refuse, said in the document: no NUL in any string (or property name),
    integers within 64 bits, no properties beyond those named (an object that allows any, like
    a report's `extra`, allows only scalars without NUL)."""
    if isinstance(node, list):
        for item in node:
            _tighten(item, in_body)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "string" and "pattern" not in node and "enum" not in node:
        node["pattern"] = NO_NUL
    elif kind == "integer" and in_body:
        node.setdefault("minimum", -INT_LIMIT)
        node.setdefault("maximum", INT_LIMIT)
    elif kind == "object":
        node["propertyNames"] = {"pattern": NO_NUL}
        extra = node.get("additionalProperties")
        if node.get("properties") and extra in (None, True):
            node["additionalProperties"] = False
        elif extra in (None, True):
            node["additionalProperties"] = {
                "type": ["string", "number", "boolean", "null"],
                "pattern": NO_NUL,
                "minimum": -1e12,
                "maximum": 1e12,
            }
    for key, value in node.items():
        if key not in ("propertyNames", "pattern"):
            _tighten(value, in_body)


def declare_errors(schema: dict) -> dict:
    """Every operation of the document declares the errors it can give, with `ErrorOut`, and
    its inputs say what the guards refuse."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, component in components.items():
        if name.endswith("In") or name.endswith("Answer"):
            _tighten(component)
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            _tighten(operation.get("parameters", []), in_body=False)  # ids: 404 or 422
    components["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for status in _statuses(method, operation):
                responses[str(status)] = {
                    "description": ERROR_DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
    return schema
