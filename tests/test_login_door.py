"""One door for logging in (issue 12): the admin logs in through the app's login (waits, rate
limit, audit, second factor); waits grow per account, per account and client and per client
without handing a stranger the real user's account; the answer is the same whether or not the
account exists; the client address trusts only the configured proxies; an unchanged first
password opens no API; the rate limiter's window slides."""

import pyotp
import pytest
from django.test import RequestFactory

from fugong.core import lockout, security
from fugong.core.crypto import encrypt
from fugong.core.models import AuditLog, User

from .conftest import PASSWORD

WAIT = "登录尝试次数过多"


def attempt(client, username, password, ip="127.0.0.1", path="/accounts/login/", **extra):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def test_it_stops_fifteen_wrong_admin_passwords_at_the_admin_login(cast, client):
    for i in range(15):
        r = attempt(client, "admin", f"guess{i}", path="/admin/login/")
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    r = attempt(client, "admin", PASSWORD, path="/admin/login/")  # not even the right one
    assert r.status_code == 302 and "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    stopped = [
        r.status_code == 429 or WAIT in r.content.decode()  # waiting, then also rate-limited
        for r in (attempt(client, "admin", f"guess{i}") for i in range(15))
    ]
    assert stopped == [False] * 4 + [True] * 11
    right = attempt(client, "admin", PASSWORD)  # the right password, too late
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    assert (
        AuditLog.objects.filter(
            action="login", target_id=str(cast.admin.pk), detail__result="failed"
        ).count()
        == 4
    )


def test_it_asks_the_admin_for_the_second_factor(cast, client):
    secret = pyotp.random_base32()
    User.objects.filter(pk=cast.admin.pk).update(totp_secret=encrypt(secret))
    r = client.get("/admin/")
    assert r.status_code == 302
    r = client.get(r["Location"])
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=/admin/")
    r = attempt(client, "admin", PASSWORD)
    assert r.status_code == 302 and r["Location"] == "/accounts/otp/"
    assert client.get("/admin/").status_code == 302  # the password alone opens nothing
    r = client.post("/accounts/otp/", {"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 302 and client.get("/admin/").status_code == 200


def test_it_answers_the_same_whether_or_not_the_account_exists(cast, client):
    pages = {}
    for name, ip in (("yanji", "10.0.0.1"), ("nobody-here", "10.0.0.2")):
        steps = [attempt(client, name, "wrong", ip) for _ in range(5)]
        pages[name] = [(r.status_code, r.content.decode().count(WAIT)) for r in steps]
        assert "秒后再试" in steps[-1].content.decode()
    assert pages["yanji"] == pages["nobody-here"] == [(200, 0)] * 4 + [(200, 1)]


def test_it_makes_each_wait_longer_and_lets_it_end(cast):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.9.9.9")
    user, t = cast.yanji, 1_000_000.0
    for _ in range(3):
        lockout.record_failure(request, "yanji", user, now=t)
        assert lockout.waiting(request, "yanji", user, now=t) == 0
    waits = []
    for _ in range(7):
        lockout.record_failure(request, "yanji", user, now=t)
        wait = lockout.waiting(request, "yanji", user, now=t)
        waits.append(wait)
        assert lockout.waiting(request, "yanji", user, now=t + wait + 1) == 0
        t += wait + 1
    assert waits == [31, 61, 121, 241, 481, 901, 901]


def test_it_lets_the_real_user_lift_a_lock_a_stranger_caused(cast, client):
    """Failures from many addresses lock the account; an administrator's password reset, or
    the second factor, lets the real user in again."""
    for i in range(11):
        attempt(client, "yanji", "wrong", ip=f"198.51.100.{i}")
    cast.yanji.refresh_from_db()
    assert cast.yanji.locked_until is not None
    assert AuditLog.objects.filter(target_id=str(cast.yanji.pk), detail__result="locked").exists()
    assert WAIT in attempt(client, "yanji", PASSWORD, ip="10.0.0.7").content.decode()

    client.force_login(cast.admin)
    r = client.post(
        f"/admin/core/user/{cast.yanji.pk}/password/",
        {"password1": "Yanji#2026Reset", "password2": "Yanji#2026Reset", "usable_password": "true"},
    )
    assert r.status_code == 302, r.content.decode()[:500]
    client.logout()
    assert attempt(client, "yanji", "Yanji#2026Reset", ip="10.0.0.7").status_code == 302

    # with a second factor, the account's lock does not hold the one who has it
    secret = pyotp.random_base32()
    User.objects.filter(pk=cast.tumen.pk).update(totp_secret=encrypt(secret))
    for i in range(11):
        attempt(client, "tumen", "wrong", ip=f"203.0.113.{i}")
    assert User.objects.get(pk=cast.tumen.pk).locked_until is not None
    client.logout()
    assert attempt(client, "tumen", PASSWORD, ip="10.0.0.8")["Location"] == "/accounts/otp/"
    r = client.post("/accounts/otp/", {"code": pyotp.TOTP(secret).now()}, REMOTE_ADDR="10.0.0.8")
    assert r.status_code == 302 and client.get("/workorders/").status_code == 200
    assert User.objects.get(pk=cast.tumen.pk).locked_until is None


def test_it_sends_wrong_second_factor_guesses_back_to_the_password(cast, client):
    User.objects.filter(pk=cast.yanji.pk).update(totp_secret=encrypt(pyotp.random_base32()))
    attempt(client, "yanji", PASSWORD)
    codes = [client.post("/accounts/otp/", {"code": "000000"}) for _ in range(5)]
    assert [r.status_code for r in codes] == [200] * 4 + [302]
    assert codes[-1]["Location"] == "/accounts/login/"
    assert client.get("/accounts/otp/")["Location"] == "/accounts/login/"


def test_it_trusts_forwarded_addresses_only_from_configured_proxies(settings):
    factory = RequestFactory()
    forged = factory.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert lockout.client_ip(forged) == "192.0.2.1"  # not from a proxy: the header is ignored
    local = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert lockout.client_ip(local) == "10.0.0.1"  # the default: the proxy on this machine
    settings.FUGONG_TRUSTED_PROXIES = []
    assert lockout.client_ip(local) == "127.0.0.1"  # nobody trusted
    settings.FUGONG_TRUSTED_PROXIES = ["127.0.0.1", "10.1.0.0/16"]
    assert lockout.client_ip(forged) == "192.0.2.1"  # not from a trusted proxy
    chain = factory.get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9, 10.1.2.3"
    )
    assert lockout.client_ip(chain) == "198.51.100.9"  # the client's forgery 6.6.6.6 is left
    junk = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="<script>")
    assert lockout.client_ip(junk) == "127.0.0.1"


def test_it_counts_logins_per_client_and_user_name(cast, client, monkeypatch):
    monkeypatch.setitem(security.RATE_LIMITS, "login", 2)
    codes = [attempt(client, "u1", "x").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert attempt(client, "u2", "x").status_code == 200  # another name from the same client
    assert attempt(client, "u1", "x", ip="10.0.0.9").status_code == 200  # another client
    rotating = [  # a forged X-Forwarded-For does not make a new client
        attempt(client, "u1", "x", ip="203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.2.0.{i}")
        for i in range(4)
    ]
    assert [r.status_code for r in rotating] == [200, 200, 429, 429]


@pytest.mark.parametrize("start", [0.0, 58.5, 59.9])
def test_it_limits_the_same_at_59_and_at_00(start):
    """A sliding window: three hits allowed per minute, whether the minute turns or not."""
    request = RequestFactory().get("/", REMOTE_ADDR="10.3.3.3")
    scope = f"t{start}"
    base = 1_800_000_000.0 + start  # a whole minute plus `start` seconds
    hits = [security.limited(request, scope, 3, now=base + i * 0.4) for i in range(5)]
    assert hits == [False, False, False, True, True]
    assert security.limited(request, scope, 3, now=base + 62) is False


def test_it_refuses_the_api_until_the_first_password_is_changed(cast, client):
    User.objects.filter(pk=cast.yanji.pk).update(must_change_password=True)
    client.force_login(cast.yanji)
    for url in ("/api/v1/me", "/api/v1/enterprises", "/api/v1/nonexistent"):
        r = client.get(url)
        assert r.status_code == 403 and r.json()["error"] == "password_change_required", url
        assert set(r.json()) >= {"error", "detail", "fields"}  # the one error shape
    r = client.post("/api/v1/workorders", {"uscc": cast.a.uscc}, content_type="application/json")
    assert r.status_code == 403
    new = "Yanji#2026Changed"
    client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert client.get("/api/v1/me").status_code == 200


def test_it_sends_the_admin_password_change_to_the_one_with_the_policy(cast, client):
    client.force_login(cast.admin)
    r = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    assert r.status_code == 302 and r["Location"] == "/accounts/password/"
    cast.admin.refresh_from_db()
    assert cast.admin.check_password(PASSWORD)
