"""The versioned REST API (/api/v1/): token auth for integrations, session auth for the web UI,
JSON error bodies for every 4xx."""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from fugong.approvals.api import router as approvals_router
from fugong.core.api import Rejected
from fugong.core.api import router as core_router
from fugong.core.models import ApiToken
from fugong.core.security import RateLimited
from fugong.core.services import Conflict
from fugong.health.api import router as health_router
from fugong.passes.api import router as passes_router
from fugong.policies.api import router as policies_router
from fugong.registry.api import router as registry_router
from fugong.reporting.api import router as reporting_router
from fugong.workorders.api import router as workorders_router


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


api = NinjaAPI(
    title="Fugong API",
    version="1",
    description="复工复产服务平台 REST API. Authenticate with `Authorization: Bearer <token>` "
    "(create a token on your profile page or with `fugong token create USERNAME`).",
    auth=[BearerToken(), TokenHeader(), django_auth],
    urls_namespace="api-1",
)
api.add_router("", core_router)
api.add_router("", registry_router)
api.add_router("", reporting_router)
api.add_router("", workorders_router)
api.add_router("", approvals_router)
api.add_router("", passes_router)
api.add_router("", health_router)
api.add_router("", policies_router)


def _error(request, status, code, message, **extra):
    return api.create_response(request, {"error": code, "detail": message, **extra}, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _error(request, 422, "invalid", "；".join(exc.messages), fields=fields)


@api.exception_handler(Rejected)
def on_rejected(request, exc):
    return _error(request, 422, "invalid", str(exc), errors=exc.errors)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc):
    return _error(request, 422, "invalid", "请求数据格式不正确", fields=exc.errors)


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


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated", "需要登录或有效的 API 令牌")
