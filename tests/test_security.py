"""Security controls (等保 2.0 level 3, application side): password policy and history,
lockout, idle timeout, forced password change, security headers without inline scripts, rate
limits, and the tamper-evident audit log."""

import datetime
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from fugong.core import security
from fugong.core.models import AuditLog, User
from fugong.core.services import audit, verify_audit_chain

from .conftest import PASSWORD
from .factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


def change(client, old, new):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_password_policy_length_classes_and_history(cast, client):
    from django.contrib.auth.password_validation import validate_password

    user = cast.yanji
    for bad in ("Ab1!", "abcdefghij1", "ABCDEFGHIJK!"):
        with pytest.raises(ValidationError):
            validate_password(bad, user)
    client.force_login(user)
    passwords = [PASSWORD] + [f"Yanji#{i}Secure" for i in range(6)]
    for old, new in zip(passwords, passwords[1:], strict=False):
        assert change(client, old, new).status_code == 302
    user.refresh_from_db()
    assert user.password_history.count() == 5
    r = change(client, passwords[-1], passwords[-3])  # used two changes ago
    assert r.status_code == 200 and "最近 5 次" in r.content.decode()
    assert change(client, passwords[-1], passwords[1]).status_code == 302  # six changes ago


def test_failures_make_the_next_attempt_wait_and_are_audited(cast, client):
    for _ in range(3):  # free
        r = client.post("/accounts/login/", {"username": "yanji", "password": "wrong"})
        assert r.status_code == 200 and "登录尝试次数过多" not in r.content.decode()
    client.post("/accounts/login/", {"username": "yanji", "password": "wrong"})
    r = client.post("/accounts/login/", {"username": "yanji", "password": PASSWORD})
    assert r.status_code == 200 and "登录尝试次数过多，请在 30 秒后再试" in r.content.decode()
    user = User.objects.get(username="yanji")
    assert user.failed_logins == 4 and user.locked_until is None  # the account itself is free
    results = list(
        AuditLog.objects.filter(action="login", target_id=str(user.pk))
        .order_by("id")
        .values_list("detail__result", "detail__client")
    )
    assert results == [("failed", "127.0.0.1")] * 4
    r = client.post(
        "/accounts/login/", {"username": "yanji", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert r.status_code == 302  # the real user elsewhere is not held by the attacker's wait
    user.refresh_from_db()
    assert (user.failed_logins, user.locked_until) == (0, None)
    assert AuditLog.objects.filter(action="login", detail__result="ok").exists()


def test_a_session_ends_after_thirty_idle_minutes(cast, client):
    client.post("/accounts/login/", {"username": "yanji", "password": PASSWORD})
    assert client.get("/workorders/").status_code == 200
    session = Session.objects.get()
    left = session.expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    r = client.get("/workorders/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_demo_and_admin_created_accounts_change_their_password_first(client, db):
    from django.core.management import call_command

    call_command("demo", "--quiet")
    assert User.objects.filter(must_change_password=False).count() == 0
    client.post("/accounts/login/", {"username": "zhuanban", "password": PASSWORD})
    r = client.get("/enterprises/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/password/")
    assert change(client, PASSWORD, "Zhuanban#2026New").status_code == 302
    assert client.get("/enterprises/").status_code == 200
    assert not User.objects.get(username="zhuanban").must_change_password

    admin = User.objects.get(username="admin")
    User.objects.filter(pk=admin.pk).update(must_change_password=False)
    client.force_login(admin)
    r = client.post(
        "/admin/core/user/add/",
        {
            "username": "newofficer",
            "password1": "Officer#2026x",
            "password2": "Officer#2026x",
            "role": "admin",
            "usable_password": "true",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert User.objects.get(username="newofficer").must_change_password


def test_security_headers_and_no_inline_scripts(cast, client, settings):
    client.force_login(cast.yanji)
    r = client.get("/workorders/")
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r["X-Frame-Options"] == "DENY" and r["Referrer-Policy"] == "same-origin"
    assert r["X-Content-Type-Options"] == "nosniff"
    offenders = []
    for path in (ROOT / "fugong").rglob("templates/**/*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            if 'type="application/json"' not in text:  # json_script data is not code
                offenders.append(f"{path}: inline <script>")
        if re.search(r"\son[a-z]+=\"", text) or re.search(r"\sstyle=\"", text):
            offenders.append(f"{path}: inline handler or style")
    assert offenders == []


def test_hsts_and_secure_cookies_in_production():
    code = (
        "import django, os; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    env = {
        "FUGONG_ENV": "production",
        "SECRET_KEY": "p" * 60,
        "ALLOWED_HOSTS": "example.cn",
        "FUGONG_DATA_KEYS": "6Hq0sS2j8y5u3n1QbW1vXz2aK4m7P9r0t2Y5c8E1g3I=",
        "FUGONG_HASH_KEY": "h" * 40,
        "DATABASE_URL": "postgres://fugong@127.0.0.1:5432/fugong",
        "DJANGO_SETTINGS_MODULE": "fugong.settings",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert out.stdout.split() == ["31536000", "True", "True"], out.stderr


def test_rate_limits_on_login_verification_declaration_and_public_api(cast, client, monkeypatch):
    monkeypatch.setitem(security.RATE_LIMITS, "login", 3)
    monkeypatch.setitem(security.RATE_LIMITS, "verify", 2)
    monkeypatch.setitem(security.RATE_LIMITS, "public_api", 2)
    monkeypatch.setitem(security.RATE_LIMITS, "declare", 2)
    codes = [
        client.post("/accounts/login/", {"username": "x", "password": "y"}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    assert [client.get("/v/nonsense/").status_code for _ in range(3)] == [404, 404, 429]
    r = [client.get("/api/v1/passes/verify/nonsense") for _ in range(3)]
    assert [x.status_code for x in r] == [404, 404, 429]
    assert r[2].json()["error"] == "rate_limited" and r[2]["Retry-After"] == "60"
    assert [client.post("/d/nonsense/", {}).status_code for _ in range(3)] == [404, 404, 429]


def test_the_audit_log_is_a_hash_chain_that_shows_tampering(cast, capsys):
    from django.core.management import call_command

    for i in range(3):
        audit(cast.yanji, "export", target_type="test", detail={"rows": i})
    checked, problem = verify_audit_chain()
    assert problem is None and checked == AuditLog.objects.count()
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out
    victim = AuditLog.objects.filter(target_type="test").order_by("id")[1]
    with connection.cursor() as cursor:  # an insider edits a row behind the application's back
        cursor.execute(
            "UPDATE core_auditlog SET detail = %s WHERE id = %s", ['{"rows": 99}', victim.pk]
        )
    checked, problem = verify_audit_chain()
    assert f"entry {victim.pk}: its content was changed" == problem
    with pytest.raises(SystemExit):
        call_command("audit", "verify")
    assert "TAMPERED" in capsys.readouterr().err


def test_removing_entries_breaks_the_chain(cast, settings):
    settings.FUGONG_AUDIT_CHAINS = 1  # one chain here; several: tests/test_audit_chains.py
    for i in range(3):
        audit(cast.yanji, "export", target_type="test", detail={"rows": i})
    entries = list(AuditLog.objects.order_by("id"))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [entries[-2].pk])
    assert "link to the previous entry is broken" in verify_audit_chain()[1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [entries[-1].pk])
    assert "removed" in verify_audit_chain()[1]


def test_a_plain_factory_user_is_not_forced(cast, client):
    user = UserFactory(username="plain")
    assert not user.must_change_password


def test_an_optional_second_factor_for_government_users(cast, client):
    import pyotp

    client.force_login(cast.yanji)
    client.post("/profile/", {"action": "totp_start"})
    secret = client.session["totp_setup"]
    assert "<svg" in client.get("/profile/").content.decode()
    client.post("/profile/", {"action": "totp_confirm", "code": "000000"})
    cast.yanji.refresh_from_db()
    assert not cast.yanji.totp_secret  # a wrong code does not enable it
    client.post("/profile/", {"action": "totp_confirm", "code": pyotp.TOTP(secret).now()})
    cast.yanji.refresh_from_db()
    assert cast.yanji.totp_secret and secret not in cast.yanji.totp_secret  # stored encrypted

    client.logout()
    r = client.post("/accounts/login/", {"username": "yanji", "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/accounts/otp/"
    assert client.get("/workorders/").status_code == 302  # not logged in yet
    r = client.post("/accounts/otp/", {"code": "123456"})
    assert "验证码不正确" in r.content.decode()
    r = client.post("/accounts/otp/", {"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 302 and client.get("/workorders/").status_code == 200
    # enterprise accounts do not get the option
    client.force_login(cast.contact_a)
    assert 'id="totp"' not in client.get("/profile/").content.decode()


def test_it_never_redirects_an_inbox_note_off_the_site(cast, client):
    from fugong.core.models import Notification

    client.force_login(cast.yanji)
    for url, goes in (("//evil.example/x", "/inbox/"), ("/workorders/", "/workorders/")):
        note = Notification.objects.create(user=cast.yanji, kind="workorder", title="t", url=url)
        assert client.get(f"/inbox/?open={note.pk}")["Location"] == goes


def test_it_rate_limits_guessing_the_old_password(cast, client, monkeypatch):
    monkeypatch.setitem(security.RATE_LIMITS, "login", 2)
    client.force_login(cast.yanji)
    codes = [change(client, f"guess{i}", "Yanji#2026Next").status_code for i in range(3)]
    assert codes == [200, 200, 429]
