"""Application-side security controls (等保 2.0 level 3): password policy with history,
lockout after failed logins, forced password change, rate limits, and the security headers
(a Content-Security-Policy without inline scripts)."""

from __future__ import annotations

import functools
import hashlib
import time
from typing import TYPE_CHECKING, TypeVar

import pyotp
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import check_password
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import lockout
from .crypto import decrypt, encrypt
from .errors import error_response
from .models import PasswordHistory, User
from .permissions import SYSTEM
from .services import audit

View = TypeVar("View", bound="Callable[..., HttpResponse]")

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from django.contrib.auth.forms import PasswordChangeForm
    from django.http import HttpRequest

    from .permissions import Actor


HISTORY = 5  # earlier passwords that may not be reused


class PasswordPolicyValidator:
    """At least three of the four character classes (lower case, upper case, digits, symbols),
    and none of the user's last five passwords."""

    def validate(self, password: str, user: Actor | None = None) -> None:
        classes = sum(
            (
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            )
        )
        if classes < 3:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少三类"), code="password_classes"
            )
        if user is not None and user.pk:
            earlier = list(user.password_history.values_list("password", flat=True)[:HISTORY])
            if any(check_password(password, h) for h in earlier):
                raise ValidationError(
                    _("不能使用最近 %(n)d 次用过的密码") % {"n": HISTORY}, code="password_reused"
                )

    def password_changed(self, password: str, user: Actor | None = None) -> None:
        if user is None or not user.pk:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        lockout.lift(user)  # a password reset by an administrator lets the real user back in
        keep = list(user.password_history.values_list("pk", flat=True)[:HISTORY])
        user.password_history.exclude(pk__in=keep).delete()

    def get_help_text(self) -> str:
        return _("至少 10 位，包含大写字母、小写字母、数字、符号中的至少三类，不能与最近 5 次相同")


class LoginForm(AuthenticationForm):
    """The login form with growing waits after failures (per account, per account and client,
    per client: see lockout.py); the same answer whether or not the account exists, and every
    failure of a real account audited."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "wait": _("登录尝试次数过多，请在 %(s)d 秒后再试"),
    }

    def clean(self) -> dict[str, Any]:
        name = self.cleaned_data.get("username") or ""
        user = User.objects.filter(username=name).first() if name else None
        wait = lockout.waiting(self.request, name, user)
        if wait:
            raise ValidationError(self.error_messages["wait"], code="wait", params={"s": wait})
        try:
            return super().clean()
        except ValidationError:
            failures = lockout.record_failure(self.request, name, user)
            if user is not None:
                locked = bool(lockout.wait_after(failures, lockout.FREE["account"]))
                audit(
                    SYSTEM,  # nobody is logged in: the failure is recorded by the system
                    "login",
                    user,
                    detail={
                        "result": "locked" if locked else "failed",
                        "failures": failures,
                        "client": lockout.client_ip(self.request),
                    },
                )
            raise


def on_login(sender: type, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """Signal receiver: a successful login clears the failures and is audited."""
    if request is not None:
        lockout.clear(request, user)
    audit(user, "login", user, detail={"result": "ok"})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password clears the first-login obligation and is audited."""

    success_url = "/"

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)

        user = form.user
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        audit(user, "update", user, detail={"password": "changed"})
        return response


# --- the optional second factor (TOTP, RFC 6238) for government users -------------------

OTP_SESSION = "otp_pending"
OTP_TRIES = 5  # wrong codes before the password must be entered again (and counts a failure)


def totp(user: User) -> pyotp.TOTP | None:
    return pyotp.TOTP(decrypt(user.totp_secret)) if user.totp_secret else None


class LoginView(auth_views.LoginView):
    """Password first; a user with a second factor then enters the code of their
    authenticator app before the session is theirs."""

    authentication_form = LoginForm

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if user.totp_secret:
            self.request.session[OTP_SESSION] = {
                "user": user.pk,
                "backend": user.backend,
                "next": self.get_success_url(),
            }
            return redirect("otp")
        return super().form_valid(form)


def admin_login(request: HttpRequest) -> HttpResponse:
    """/admin/login/ is the app's own login (waits, rate limit, audit, second factor): a
    password posted here is never checked."""
    return redirect_to_login(request.GET.get("next") or "/admin/", settings.LOGIN_URL)


def login_name(request: HttpRequest, *args: Any, **kwargs: Any) -> str:
    """The user name a login attempt is for: rate limits count per client and user name."""
    return (request.POST.get("username") or "")[:150]


def otp(request: HttpRequest) -> HttpResponse:
    """The second step of a login with a second factor."""
    pending = request.session.get(OTP_SESSION)
    if not pending:
        return redirect("login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    error = ""
    if request.method == "POST" and user is not None:
        code = request.POST.get("code", "").strip()
        if totp(user).verify(code, valid_window=1):
            del request.session[OTP_SESSION]
            login(request, user, backend=pending["backend"])  # clears the account's waits
            return redirect(pending["next"])
        error = _("验证码不正确")
        audit(SYSTEM, "login", user, detail={"result": "otp_failed"})  # nobody is logged in yet
        pending["failures"] = pending.get("failures", 0) + 1
        request.session[OTP_SESSION] = pending
        if pending["failures"] >= OTP_TRIES:  # guessing codes: back to the password
            del request.session[OTP_SESSION]
            lockout.record_failure(request, user.get_username(), user)
            return redirect("login")
    return render(request, "registration/otp.html", {"error": error})


def start_totp(user: User) -> tuple[str, str]:
    """A new secret for the user to scan (kept in the session until confirmed): its
    otpauth:// URI."""
    secret = pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="Fugong 复工")
    return secret, uri


def confirm_totp(user: User, secret: str, code: str) -> None:
    """Turn the second factor on when the code from the scanned secret is right."""
    if not user.is_government:
        raise ValidationError(_("两步验证供政府工作人员使用"))
    if not pyotp.TOTP(secret).verify((code or "").strip(), valid_window=1):
        raise ValidationError(_("验证码不正确，请用认证器应用中的当前验证码"))
    User.objects.filter(pk=user.pk).update(totp_secret=encrypt(secret))
    audit(user, "update", user, detail={"totp": "enabled"})


# --- rate limits --------------------------------------------------------------------------


BUCKETS = 30  # a window is counted in 30 slices: it slides, it does not restart at :00


def limited(
    request: HttpRequest,
    scope: str,
    limit: int,
    per_seconds: int = 60,
    key: str = "",
    now: float | None = None,
) -> bool:
    """Count one hit of `scope` for this client (its address, plus `key`) and say whether the
    hits of the last `per_seconds` (a sliding window, to one slice) are over `limit`. The
    counters live in the shared cache (Redis in production), so every app server counts
    together. `now` is a Unix time (the clock by default)."""
    ip = lockout.client_ip(request)
    width = per_seconds / BUCKETS
    now = int((time.time() if now is None else now) / width)
    if key:  # a user name: any characters, any length; the cache key stays short and plain
        key = hashlib.sha256(str(key).encode()).hexdigest()[:24]
    prefix = f"rl:{scope}:{ip}:{key}:"
    name = f"{prefix}{now}"
    try:  # the slice usually exists: one increment
        count = cache.incr(name)
    except ValueError:  # the slice's first hit (or another server's, just now)
        count = 1 if cache.add(name, 1, per_seconds + 5) else cache.incr(name)
    earlier = cache.get_many([f"{prefix}{now - i}" for i in range(1, BUCKETS)])
    return count + sum(earlier.values()) > limit


def too_many(request: HttpRequest, api: bool = False) -> HttpResponse:
    message = _("请求过于频繁，请稍后再试")
    if api:
        response = JsonResponse({"error": "rate_limited", "detail": message}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "60"
    return response


RATE_LIMITS = settings.FUGONG_RATE_LIMITS


class RateLimited(Exception):
    """Raised by an API operation over its limit (answered 429)."""


def check_api_limit(request: HttpRequest, scope: str) -> None:
    limit = RATE_LIMITS.get(scope)
    if limit and limited(request, scope, limit):
        raise RateLimited(scope)


def rate_limit(
    scope: str, api: bool = False, key: str | None = None, methods: Sequence[str] | None = None
) -> Callable[[View], View]:
    """Decorator for views: over the scope's limit per minute (counting the requests of
    `methods`, all by default), answer 429."""

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if methods and request.method not in methods:
                return view(request, *args, **kwargs)
            limit = RATE_LIMITS.get(scope)
            extra = key(request, *args, **kwargs) if key else ""
            if limit and limited(request, scope, limit, key=extra):
                return too_many(request, api=api)
            return view(request, *args, **kwargs)

        return inner

    return wrap


# --- middleware ---------------------------------------------------------------------------

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The Django admin and the API docs ship inline styles and scripts of their own.
CSP_RELAXED = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
PASSWORD_CHANGE_FREE = ("/accounts/", "/static/", "/i18n/", "/v/", "/d/", "/p/", "/verify/")


class SecurityMiddleware:
    """Security headers on every response, and accounts that must change their password (demo
    and administrator-created accounts, at first login) are sent to do so first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(PASSWORD_CHANGE_FREE)
        ):
            if request.path.startswith("/api/"):  # the session may not use the API either
                return error_response(
                    403,
                    _("首次登录或密码被重置后，须先修改密码才能使用接口"),
                    code="password_change_required",
                )
            return redirect(f"{settings.PASSWORD_CHANGE_URL}?next={request.path}")
        response = self.get_response(request)
        relaxed = request.path.startswith(("/admin/", "/api/v1/docs"))
        response.setdefault("Content-Security-Policy", CSP_RELAXED if relaxed else CSP)
        response.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
