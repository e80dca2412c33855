"""The versioned REST API (/api/v1/): token auth for integrations, session auth for the web UI,
JSON error bodies for every 4xx."""

import logging
from decimal import InvalidOperation

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    SuspiciousOperation,
    ValidationError,
)
from django.db import DataError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from fugong.approvals.api import router as approvals_router
from fugong.consultations.api import router as consultations_router
from fugong.core.api import Rejected
from fugong.core.api import router as core_router
from fugong.core.errors import (
    CODES,
    ApiError,
    BadNumber,
    NotAnObject,
    StrictParser,
    declare_errors,
    error_response,
    schema_error_fields,
)
from fugong.core.models import ApiToken
from fugong.core.security import RateLimited
from fugong.core.services import Conflict
from fugong.dashboard.api import router as dashboard_router
from fugong.financing.api import router as financing_router
from fugong.health.api import router as health_router
from fugong.inspections.api import router as inspections_router
from fugong.passes.api import router as passes_router
from fugong.policies.api import router as policies_router
from fugong.projects.api import router as projects_router
from fugong.registry.api import router as registry_router
from fugong.reporting.api import router as reporting_router
from fugong.supplies.api import router as supplies_router
from fugong.workforce.api import router as workforce_router
from fugong.workorders.api import router as workorders_router

log = logging.getLogger("fugong.api")


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class TokenHeader(APIKeyHeader):
    """`Authorization: Token <key>` is accepted too, as many integrations send it."""

    param_name = "Authorization"

    def authenticate(self, request, key):
        if not key or not key.startswith("Token "):
            return None
        return BearerToken().authenticate(request, key[6:].strip())


class FugongAPI(NinjaAPI):
    """The OpenAPI document declares the contract's error responses on every operation."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return declare_errors(schema)


api = FugongAPI(
    title="Fugong API",
    version="1",
    description="复工复产服务平台 REST API. Authenticate with `Authorization: Bearer <token>` "
    "(create a token on your profile page or with `fugong token create USERNAME`).",
    auth=[BearerToken(), TokenHeader(), django_auth],
    urls_namespace="api-1",
    parser=StrictParser(),
)
api.add_router("", core_router)
api.add_router("", registry_router)
api.add_router("", reporting_router)
api.add_router("", workorders_router)
api.add_router("", approvals_router)
api.add_router("", passes_router)
api.add_router("", health_router)
api.add_router("", dashboard_router)
api.add_router("", policies_router)
api.add_router("", financing_router)
api.add_router("", supplies_router)
api.add_router("", consultations_router)
api.add_router("", inspections_router)
api.add_router("", projects_router)
api.add_router("", workforce_router)


def _error(request, status, code, message, fields=None, **extra):
    return error_response(status, message, fields, code=code, **extra)


@api.exception_handler(ApiError)
def on_api_error(request, exc):
    return _error(request, exc.status, exc.code, exc.detail, exc.fields)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    fields = exc.message_dict if hasattr(exc, "error_dict") else {}
    return _error(request, 422, "invalid", "；".join(exc.messages), fields=fields)


@api.exception_handler(Rejected)
def on_rejected(request, exc):
    return _error(request, 422, "invalid", str(exc), errors=exc.errors)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc):
    fields = schema_error_fields(exc.errors)
    return _error(request, 422, "invalid", "请求数据格式不正确", fields=fields)


@api.exception_handler(ObjectDoesNotExist)
def on_not_found(request, exc):
    return _error(request, 404, "not_found", "对象不存在或不在您的权限范围内")


@api.exception_handler(Http404)
def on_http404(request, exc):
    return on_not_found(request, exc)


@api.exception_handler(RateLimited)
def on_rate_limited(request, exc):
    response = _error(request, 429, "rate_limited", "请求过于频繁，请稍后再试")
    response["Retry-After"] = "60"
    return response


@api.exception_handler(Conflict)
def on_conflict(request, exc):
    return _error(request, 409, "conflict", str(exc))


@api.exception_handler(PermissionError)
def on_forbidden(request, exc):
    return _error(request, 403, "forbidden", str(exc) or "您没有执行此操作的权限")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return on_forbidden(request, exc)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated", "需要登录或有效的 API 令牌")


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    """django-ninja's own errors: a body that is not JSON (400), a NaN or overflowing number
    in it (422 naming the field), a failed CSRF check (403)."""
    if isinstance(exc.__cause__, BadNumber):
        fields = {exc.__cause__.path: "应为有限的数字（不接受 NaN、Infinity 或超出范围的数）"}
        return _error(request, 422, "invalid", "请求中有无效的数字", fields=fields)
    if isinstance(exc.__cause__, NotAnObject):
        return _error(
            request, 422, "invalid", "请求体应为 JSON 对象", fields={"__all__": "应为对象"}
        )
    status = exc.status_code
    detail = "请求体不是有效的 JSON" if status == 400 else exc.message
    return _error(request, status, CODES.get(status, "error"), detail)


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request, exc):
    return _error(request, 400, "bad_request", "请求格式不正确")


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request, exc):
    """A multipart body Django cannot split (no or a bad boundary): the request's fault."""
    return _error(request, 400, "bad_request", "multipart/form-data 请求体格式不正确（boundary）")


@api.exception_handler(OverflowError)
@api.exception_handler(InvalidOperation)
@api.exception_handler(DataError)
def on_out_of_range(request, exc):
    """A number no column holds (a 10^40 id in a path or query): the request's fault."""
    return _error(request, 422, "invalid", "数值超出范围")


@api.exception_handler(Exception)
def on_server_error(request, exc):
    """Anything else: logged with its traceback, answered as the contract's 500."""
    log.exception("API operation failed: %s %s", request.method, request.path)
    return _error(request, 500, "server_error", "服务器内部错误，请稍后再试")
